// The show-stage scene shared by client/e2e/show-stage.e2e.mjs (what must hold) and
// bench/show-stage.mjs (how long going on air takes): host A (commands over A's own socket, as
// A's studio page sends them), members B and C in the real studio page with the fake camera,
// and a raw subscriber on the show stage that asks for every participant it is offered.
import { command as sharedCommand, openPage, register, socketOf as sharedSocketOf, videoMoves, waitUntil } from './support.mjs';

/**
 * The raw subscriber, inside a page: joins the show stage with a viewer token over the stage's
 * own signalling socket and asks to subscribe to every participant it hears of, publishing or
 * not, again on every update. Records, per participant userId, when media packets arrive and
 * stop (inbound RTP packet counts read every 100 ms) and every refusal the stage sends.
 */
export async function startRawSubscriber(page, token) {
  await page.goto('/');
  await page.evaluate(async (tok) => {
    const claims = JSON.parse(atob(tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    // `sent`: per participant, the connections whose offers went out, in order: the stage answers
    // (or refuses) offers in the order it got them, so each answer goes to the right one.
    const raw = (window.__raw = { userOf: {}, legs: {}, sent: {}, media: {}, refusals: [], log: [], joined: false });
    const ws = new WebSocket(claims.events_url);
    const send = (m) => ws.readyState === 1 && ws.send(JSON.stringify(m));
    const subscribe = async (p) => {
      if (p.id === raw.self) return;
      raw.userOf[p.id] = p.userId;
      raw.legs[p.id]?.close();
      const pc = new RTCPeerConnection();
      raw.legs[p.id] = pc;
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      if (pc.iceGatheringState !== 'complete')
        await new Promise((r) => {
          pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
          setTimeout(r, 2000);
        });
      // Asked again meanwhile (joined, then publishing): only the latest connection asks.
      if (raw.legs[p.id] !== pc) return;
      (raw.sent[p.id] ??= []).push(pc);
      send({ t: 'subscribe', participantId: p.id, sdp: pc.localDescription.sdp, type: 'audio_video' });
    };
    ws.onmessage = async (e) => {
      const m = JSON.parse(e.data);
      raw.log.push(`${Date.now()} ${m.t}${m.participant ? ` ${m.participant.userId} publishing=${m.participant.isPublishing}` : ''}`);
      if (m.t === 'joined') {
        raw.self = m.self.id;
        raw.joined = true;
        for (const p of m.participants) void subscribe(p);
      } else if (m.t === 'participant-joined' || m.t === 'participant-updated') void subscribe(m.participant);
      else if (m.t === 'subscribe-answer') {
        const pc = raw.sent[m.participantId]?.shift();
        if (pc && raw.legs[m.participantId] === pc) await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      } else if (m.t === 'participant-left') {
        raw.legs[m.participantId]?.close();
        delete raw.legs[m.participantId];
      } else if (m.t === 'error') {
        if (m.participantId) raw.sent[m.participantId]?.shift();
        raw.refusals.push({ code: m.code, userId: raw.userOf[m.participantId] ?? null });
      }
    };
    ws.onopen = () => send({ t: 'join', token: tok });
    // Media per userId: total packets received so far and when the count last grew.
    setInterval(async () => {
      for (const [pid, pc] of Object.entries(raw.legs)) {
        const user = raw.userOf[pid];
        let packets = 0;
        for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp') packets += s.packetsReceived ?? 0;
        const m = (raw.media[user] ??= { packets: 0, firstAt: null, lastGrowthAt: null, legs: 0 });
        if (packets > 0 && m.firstAt === null) m.firstAt = Date.now();
        if (packets > (m.lastPackets?.[pid] ?? 0)) m.lastGrowthAt = Date.now();
        m.lastPackets = { ...(m.lastPackets ?? {}), [pid]: packets };
        m.packets = Object.values(m.lastPackets).reduce((a, b) => a + b, 0);
      }
    }, 100);
  }, token);
  await page.waitForFunction(() => window.__raw?.joined, null, { timeout: 15_000 });
}
export const mediaOf = (page, userId) => page.evaluate((u) => window.__raw.media[u] ?? null, userId);
/** Media of this user arrived after `since` (epoch ms) and is still flowing. */
export const flowingSince = (m, since) => !!m && m.lastGrowthAt !== null && m.lastGrowthAt > since;
export const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/**
 * A with B and C seated by invite, both in A's studio page (their own cameras playing), B on
 * air and real-time viewing open. `check(ok, what, detail)` records the setup's own checks.
 */
export async function showStageScene(browser, baseUrl, { check = () => undefined, password = 'show-stage-scene-password' } = {}) {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
  const person = (who, auth) => openPage(browser, { baseURL: baseUrl, who, auth, viewport: { width: 1280, height: 860 }, timeout: 20_000 });
  const command = (socket, event, payload) => sharedCommand(socket, event, payload, 15_000);
  const A = await register(baseUrl, `sshost_${suffix}`.slice(0, 32), password);
  const B = await register(baseUrl, `ssb_${suffix}`.slice(0, 32), password);
  const C = await register(baseUrl, `ssc_${suffix}`.slice(0, 32), password);
  const stage = A.user.username;
  const b = await person('B', B);
  const c = await person('C', C);
  const sockets = [];
  const sa = await sharedSocketOf(baseUrl, A);
  sockets.push(sa);
  const joined = await sa.timeout(15_000).emitWithAck('studio:join', { stage });
  if (!joined.ok) throw new Error(`studio:join refused: ${JSON.stringify(joined.error)}`);
  for (const [who, account, page] of [
    ['B', B, b],
    ['C', C, c],
  ]) {
    const s = await sharedSocketOf(baseUrl, account);
    sockets.push(s);
    const { inviteId } = await command(sa, 'studio:invite', { stage, username: account.user.username, role: 'guest' });
    await command(s, 'studio:invite-respond', { stage, inviteId, accept: true });
    await page.goto(`/studio?stage=${stage}`);
    const own = await videoMoves(page.getByTestId(`tile-${account.user.username}`).locator('video'), { timeout: 25_000 });
    check(own.moving, `${who}’s studio plays their own camera`, JSON.stringify(own));
  }
  await command(sa, 'studio:set-status', { stage, memberId: B.user.id, status: 'on-air' });
  await command(sa, 'studio:realtime', { stage, open: true });
  return {
    A,
    B,
    C,
    b,
    c,
    sa,
    stage,
    person,
    command: (event, payload) => command(sa, event, payload),
    close: () => sockets.forEach((s) => s.close()),
  };
}

/**
 * Takes `memberId` off air and on air `tries` times; per try, ms after the on-air command sent:
 * when the show stage announced them joined and publishing, and when their media reached the raw
 * subscriber (null for a try where it did not within 10 s).
 */
export async function goOnAirTimes(scene, raw, memberId, tries) {
  const joins = [];
  for (let i = 0; i < tries; i++) {
    const at = Date.now();
    await scene.command('studio:set-status', { stage: scene.stage, memberId, status: 'on-air' });
    const m = await waitUntil(
      () => mediaOf(raw, memberId),
      (x) => flowingSince(x, at) && x.firstAt !== null,
      { timeout: 10_000, interval: 25 },
    );
    // When the show stage announced them: joined (token in hand, signalling connected), then publishing (media connected).
    const [joinedAt, publishedAt] = await raw.evaluate(
      ([u, since]) => {
        const first = (needle) =>
          window.__raw.log
            .filter((l) => l.includes(needle))
            .map((l) => Number(l.split(' ')[0]))
            .find((t) => t >= since) ?? null;
        return [first(`participant-joined ${u} `), first(` ${u} publishing=true`)];
      },
      [memberId, at],
    );
    joins.push({
      joined: joinedAt === null ? null : joinedAt - at,
      published: publishedAt === null ? null : publishedAt - at,
      media: flowingSince(m, at) ? m.lastGrowthAt - at : null,
    });
    await scene.command('studio:set-status', { stage: scene.stage, memberId, status: 'backstage' });
    await waitUntil(
      () => mediaOf(raw, memberId),
      (x) => Date.now() - x.lastGrowthAt >= 300,
      { timeout: 10_000, interval: 50 },
    );
  }
  return joins;
}
