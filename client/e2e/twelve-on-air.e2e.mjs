#!/usr/bin/env node
// Twelve on air, none dropped: host A opens the real studio page (Chromium, fake camera), eleven
// registered members are seated by invite and publish a real test pattern from headless werift
// peers (client/e2e/headless-publisher.mjs), A puts all twelve on air, and then: the host's
// programme canvas draws twelve tiles, each of moving video (read at the slots the compositor
// uses), and the studio stage's SFU reports twelve publishers; A opens real-time viewing and a
// viewer on the show stage finds all twelve publishing there. A thirteenth member is told the
// studio is full (or, without that cap, refused by the stage: STAGE_AT_CAPACITY) and the twelve
// tiles keep moving. Prints the time from the twelfth member on air to twelve moving tiles.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/twelve-on-air.e2e.mjs (needs `npm run build`).
import { createRequire } from 'node:module';
import { io } from 'socket.io-client';
import { stageRoster, startHeadlessPublisher } from './headless-publisher.mjs';
import {
  createReport,
  cspViolations,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  rest,
  waitUntil,
} from './support.mjs';

// The geometry the compositor draws with, from the build the server runs (libs/layouts).
const { computeSlots, DEFAULT_CANVAS, MAX_ON_AIR } = createRequire(import.meta.url)('../../dist/libs/layouts/src/index.js');

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const HEADLESS = MAX_ON_AIR - 1;
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'twelve-e2e-password';
/** The compositor's placeholder for a member whose video has not arrived (client/src/media/compositor.ts). */
const PLACEHOLDER = [0x24, 0x25, 0x2e];

// ------------------------------------------------------------------ sockets (what each member's app sends)

const sockets = [];
async function connect(accessToken) {
  const socket = io(BASE_URL, { transports: ['websocket'], auth: { token: accessToken }, reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  return socket;
}
let seq = 0;
/** A studio command with a fresh commandId (join and snapshot carry none): the ack; `command` wants it ok and gives its data. */
function answer(socket, event, payload) {
  const withId = ['studio:join', 'studio:snapshot'].includes(event) ? payload : { commandId: `twelve_${suffix}_${++seq}`, ...payload };
  return socket.timeout(10_000).emitWithAck(event, withId);
}
async function command(socket, event, payload) {
  const ack = await answer(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

// ------------------------------------------------------------------ the programme, read per tile

/**
 * Reads each slot's middle (clear of the name tag at its foot) on the programme canvas over
 * successive animation frames for up to `ms`: how much of it is the placeholder colour, how
 * varied its pixels are, and how many times it changed. A live tile is mostly not placeholder,
 * varied, and changes as new frames arrive.
 */
function readTiles(page, slots, ms = 2500) {
  return page.getByTestId('programme-canvas').evaluate(
    async (canvas, { slots, ms, placeholder }) => {
      const ctx = canvas.getContext('2d');
      const areaOf = (s) => ({
        x: s.x + Math.round(s.w * 0.2),
        y: s.y + Math.round(s.h * 0.1),
        w: Math.round(s.w * 0.6),
        h: Math.round(s.h * 0.55),
      });
      const read = () =>
        slots.map((s) => {
          const a = areaOf(s);
          const d = ctx.getImageData(a.x, a.y, a.w, a.h).data;
          let hash = 0;
          let sum = 0;
          let sumSq = 0;
          let flat = 0;
          const n = d.length / 4;
          for (let i = 0; i < d.length; i += 4) {
            const l = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
            sum += l;
            sumSq += l * l;
            if (Math.abs(d[i] - placeholder[0]) + Math.abs(d[i + 1] - placeholder[1]) + Math.abs(d[i + 2] - placeholder[2]) < 12) flat++;
            hash = (hash * 31 + d[i] * 7 + d[i + 1] * 3 + d[i + 2]) % 1_000_000_007;
          }
          return { hash, stddev: Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2)), placeholderShare: flat / n };
        });
      const first = read();
      const changes = first.map(() => 0);
      let last = first;
      const deadline = performance.now() + ms;
      while (changes.some((c) => c < 2) && performance.now() < deadline) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = read();
        now.forEach((t, i) => t.hash !== last[i].hash && changes[i]++);
        last = now;
      }
      return first.map((t, i) => ({
        ...t,
        stddev: Math.round(t.stddev),
        placeholderShare: Math.round(t.placeholderShare * 100) / 100,
        changes: changes[i],
      }));
    },
    { slots, ms, placeholder: PLACEHOLDER },
  );
}
const liveTile = (t) => t.placeholderShare < 0.5 && t.stddev > 8 && t.changes >= 2;

// ------------------------------------------------------------------ the run

const browser = await launchBrowser();
const publishers = [];
let page = null;
try {
  section(`Host and ${HEADLESS} members register`);
  const A = await register(BASE_URL, `twelve_host_${suffix}`.slice(0, 32), password);
  const members = [];
  for (let i = 1; i <= HEADLESS; i++)
    members.push(await register(BASE_URL, `twelve_${String(i).padStart(2, '0')}_${suffix}`.slice(0, 32), password));
  const stage = A.user.username;
  check(members.length === HEADLESS, `${HEADLESS} members registered`);

  section(`${A.user.username} opens the studio in Chromium`);
  page = await openPage(browser, { baseURL: BASE_URL, who: 'A', auth: A, viewport: { width: 1400, height: 1000 }, timeout: 30_000 });
  await page.goto('/studio');
  await page.getByTestId(`tile-${A.user.username}`).waitFor();
  check(true, 'the studio shows the host’s own tile');

  section(`${HEADLESS} members are seated by invite and publish a test pattern from Node`);
  const host = await connect(A.accessToken);
  await command(host, 'studio:join', { stage });
  for (const m of members) {
    const socket = await connect(m.accessToken);
    const { inviteId } = await command(host, 'studio:invite', { stage, username: m.user.username, role: 'guest' });
    await command(socket, 'studio:invite-respond', { stage, inviteId, accept: true });
  }
  check(true, `${HEADLESS} invites accepted`);
  const startedPublishing = Date.now();
  for (const [i, m] of members.entries()) {
    const { token, capabilities } = await rest(BASE_URL, `/api/stages/${stage}/token`, { method: 'POST', token: m.accessToken });
    if (i === 0) check(capabilities.includes('PUBLISH'), 'a seated member’s studio-stage token may publish', capabilities.join(','));
    // One at a time: each ffmpeg start costs a moment of CPU, and the SFU counts them in order.
    publishers.push(await startHeadlessPublisher(token, { hue: (i * 360) / HEADLESS, tone: 300 + 40 * i, label: m.user.username }));
  }
  check(
    publishers.length === HEADLESS,
    `${HEADLESS} headless members publish on the studio stage`,
    `in ${Date.now() - startedPublishing} ms`,
  );

  section('A puts all twelve on air');
  await command(host, 'studio:set-status', { stage, memberId: A.user.id, status: 'on-air' });
  for (const m of members) await command(host, 'studio:set-status', { stage, memberId: m.user.id, status: 'on-air' });
  const twelfthOnAir = Date.now();
  const { document } = await command(host, 'studio:snapshot', { stage });
  check(document.layout.order.length === MAX_ON_AIR, `the studio has ${MAX_ON_AIR} members on air`, document.layout.order.join(','));
  check(document.layout.name === 'grid', 'the layout is the grid', document.layout.name);

  section(`The host’s programme draws ${MAX_ON_AIR} moving tiles`);
  const slots = computeSlots({ layout: document.layout.name, members: document.layout.order, canvas: DEFAULT_CANVAS });
  check(slots.filter((s) => s.visible).length === MAX_ON_AIR, `the grid has ${MAX_ON_AIR} visible slots`);
  const tiles = await waitUntil(
    () => readTiles(page, slots),
    (t) => t.length === MAX_ON_AIR && t.every(liveTile),
    { timeout: 60_000, interval: 100 },
  );
  const drawnAfter = Date.now() - twelfthOnAir;
  const live = (tiles ?? []).filter(liveTile).length;
  check(live === MAX_ON_AIR, `${MAX_ON_AIR} of ${MAX_ON_AIR} tiles show moving video`, JSON.stringify(tiles));
  console.log(`  figure: 12th member on air → ${live} moving tiles in the programme: ${drawnAfter} ms`);
  const names = new Map([A, ...members].map((p) => [p.user.id, p.user.username]));
  const distinct = new Set((tiles ?? []).map((t) => t.hash)).size;
  check(distinct === MAX_ON_AIR, 'each tile shows its own picture', `${distinct} distinct of ${MAX_ON_AIR}`);
  if (live !== MAX_ON_AIR)
    console.log(
      `  not moving: ${slots
        .filter((_, i) => !liveTile(tiles?.[i] ?? {}))
        .map((s) => names.get(s.id))
        .join(', ')}`,
    );

  section('The studio stage has twelve publishers');
  const last = publishers.at(-1);
  const seen = await waitUntil(
    () => last.publishersSeen(),
    (n) => n === MAX_ON_AIR,
    { timeout: 20_000 },
  );
  check(seen === MAX_ON_AIR, `the SFU reports ${MAX_ON_AIR} publishers to a participant`, `${seen}`);
  const publisherIds = new Set(
    last
      .others()
      .filter((p) => p.isPublishing)
      .map((p) => p.userId),
  );
  publisherIds.add(members.at(-1).user.id);
  check(
    [A, ...members].every((p) => publisherIds.has(p.user.id)),
    'every member on air is one of them',
    [...publisherIds].map((id) => names.get(id) ?? id).join(','),
  );
  const healthy = publishers.filter((p) => p.healthy()).length;
  check(healthy === HEADLESS, 'every headless publisher is still connected and encoding', `${healthy}/${HEADLESS}`);

  section('A opens real-time viewing: the twelve publish on the show stage, where a viewer finds them');
  await command(host, 'studio:realtime', { stage, open: true });
  const showStarted = Date.now();
  // Each on-air member's app asks for a show-stage token and publishes the same pictures there.
  for (const [i, m] of members.entries()) {
    const { token, capabilities } = await rest(BASE_URL, `/api/stages/${stage}/show-token`, { method: 'POST', token: m.accessToken });
    if (i === 0) check(capabilities.join(',') === 'PUBLISH', 'an on-air member’s show-stage token only publishes', capabilities.join(','));
    const legStarted = Date.now();
    await publishers[i].alsoPublish(token, { timeout: 60_000 });
    console.log(`  ${m.user.username} publishes on the show stage after ${Date.now() - legStarted} ms`);
  }
  const viewer = await register(BASE_URL, `twelve_viewer_${suffix}`.slice(0, 32), password);
  const viewerToken = await rest(BASE_URL, `/api/stages/${stage}/viewer-token`, { method: 'POST', token: viewer.accessToken });
  check(viewerToken.capabilities.join(',') === 'SUBSCRIBE', 'the viewer’s token only subscribes', viewerToken.capabilities.join(','));
  const show = await stageRoster(viewerToken.token);
  const onShow = await waitUntil(
    () => show.publishers(),
    (p) => p.length === MAX_ON_AIR,
    { timeout: 30_000 },
  );
  console.log(`  figure: real-time viewing opened → ${onShow.length} publishers on the show stage: ${Date.now() - showStarted} ms`);
  check(
    onShow.length === MAX_ON_AIR,
    `the show stage has ${MAX_ON_AIR} publishers`,
    onShow.map((p) => names.get(p.userId) ?? p.userId).join(','),
  );
  check(
    [A, ...members].every((p) => onShow.some((q) => q.userId === p.user.id)),
    'every member on air publishes there',
    onShow.map((p) => names.get(p.userId) ?? p.userId).join(','),
  );
  show.close();

  section('A thirteenth member is refused and nobody is dropped');
  const C = await register(BASE_URL, `twelve_13_${suffix}`.slice(0, 32), password);
  const cSocket = await connect(C.accessToken);
  const invited = await answer(host, 'studio:invite', { stage, username: C.user.username, role: 'guest' });
  const seated = invited.ok
    ? await answer(cSocket, 'studio:invite-respond', { stage, inviteId: invited.data.inviteId, accept: true })
    : invited;
  if (!seated.ok) {
    // The studio's own cap (libs/protocol/src/studio-capacity.ts): a sentence at the invite or the answer, before any media is tried.
    check(
      seated.error.code === 'studio/full' && /^This studio is full/.test(seated.error.message),
      'the studio tells the host or the thirteenth member that it is full',
      JSON.stringify(seated.error),
    );
  } else {
    // Without that cap, the stage itself is the last line: the 13th publish is refused.
    const { token } = await rest(BASE_URL, `/api/stages/${stage}/token`, { method: 'POST', token: C.accessToken });
    const refused = await startHeadlessPublisher(token, { label: C.user.username, timeout: 15_000 }).then(
      async (p) => (await p.stop(), 'published'),
      (e) => e.message,
    );
    check(/STAGE_AT_CAPACITY/.test(refused), 'the stage refuses a thirteenth publisher (STAGE_AT_CAPACITY)', refused);
  }
  const after = await waitUntil(
    () => readTiles(page, slots),
    (t) => t.every(liveTile),
    { timeout: 15_000 },
  );
  check((after ?? []).filter(liveTile).length === MAX_ON_AIR, `all ${MAX_ON_AIR} tiles still move afterwards`, JSON.stringify(after));
  check(last.publishersSeen() === MAX_ON_AIR, `the stage still has ${MAX_ON_AIR} publishers`, `${last.publishersSeen()}`);
  const stillHealthy = publishers.filter((p) => p.healthy()).length;
  check(stillHealthy === HEADLESS, 'no headless publisher was dropped', `${stillHealthy}/${HEADLESS}`);
} catch (e) {
  check(false, 'the run reached its end', e?.stack ?? String(e));
  await failureScreenshot(page, 'twelve-on-air-failure');
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  for (const p of publishers) {
    const s = p.stats();
    if (s.ffmpegErrors) console.log(`  ffmpeg said: ${s.ffmpegErrors.slice(0, 300)}`);
  }
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await Promise.all(publishers.map((p) => p.stop()));
  for (const s of sockets) s.close();
  await browser.close();
}

finish('twelve-on-air');
