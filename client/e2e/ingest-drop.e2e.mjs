#!/usr/bin/env node
// The host's network drops mid-show (issue 15): host A broadcasts from the studio while viewer V
// watches; A's ingest connection is cut for 5 s, five times. How: every ingest WebSocket of A's
// page goes through Playwright's routeWebSocket (a proxy to the real ingest); a drop closes both
// ends (the page sees its socket close, the ingest sees its source go) and refuses every new
// ingest connection until the restore. (CDP's Network.emulateNetworkConditions {offline: true}
// does not close an open WebSocket in this Chromium: it holds the frames and delivers them all
// on restore, so the sink would never see a drop.)
// Checks per drop: the studio says it is reconnecting, then carries the SAME stream on (the
// stream id in the ingest's `live` answer), V's video moves again within 15 s of the restore,
// V's page never reloads nor shows Offline. Prints restore → V moving again for each drop and
// the p50. At the end A ends the show: the channel lists one broadcast with its recording.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/ingest-drop.e2e.mjs
import {
  createReport,
  cspViolations,
  failureScreenshot,
  firstLine,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  rest,
  startViewerSamples,
  succeeds,
  videoMoves,
  viewerSamples,
  waitUntil,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const LIVE_TIMEOUT = 90_000;
const DROPS = Number(process.env.INGEST_DROPS ?? 5);
// INGEST_DROP_MS=30000 INGEST_DROPS=1: the longest drop the issue asks to ride out.
const DROP_MS = Number(process.env.INGEST_DROP_MS ?? 5_000);
/** The issue's bar: V's picture moves again within this long of the restore. */
const RESUME_BAR_MS = 15_000;

const browser = await launchBrowser();
const A = await register(BASE_URL, `drop_${suffix}`.slice(0, 32), 'ingest-drop-e2e-password');
const channelName = A.user.username;
const a = await openPage(browser, { baseURL: BASE_URL, who: 'A', auth: A, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });
const v = await openPage(browser, { baseURL: BASE_URL, who: 'V', timeout: 20_000 });
const stateOf = (page) => page.getByTestId('broadcast-state').getAttribute('data-state');

// A's ingest connections: each proxied to the real ingest; `cut` closes them all and refuses new ones.
const ingest = { cut: false, open: new Set(), streamIds: [], liveAt: [], refused: 0, connects: [] };
await a.routeWebSocket(/\/_ivs\/ingest$/, (page) => {
  if (ingest.cut) {
    ingest.refused++;
    void page.close({ code: 1011, reason: 'network down' });
    return;
  }
  ingest.connects.push(Date.now());
  const server = page.connectToServer();
  const pair = { page, server };
  ingest.open.add(pair);
  // The ingest's answers pass on unchanged; its `live` names the stream this connection carries.
  server.onMessage((m) => {
    if (typeof m === 'string') {
      try {
        const parsed = JSON.parse(m);
        if (parsed.t === 'live') {
          ingest.streamIds.push(parsed.streamId);
          ingest.liveAt.push(Date.now());
        }
      } catch {
        // not JSON: not ours to read
      }
    }
    page.send(m);
  });
  page.onClose(() => {
    ingest.open.delete(pair);
    void server.close().catch(() => undefined);
  });
  server.onClose(() => {
    ingest.open.delete(pair);
    void page.close().catch(() => undefined);
  });
});
function cutIngest() {
  ingest.cut = true;
  for (const { page, server } of ingest.open) {
    void server.close().catch(() => undefined);
    void page.close({ code: 1011, reason: 'network down' }).catch(() => undefined);
  }
  ingest.open.clear();
}

const p50 = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

try {
  section(`Host ${channelName} goes live from the studio`);
  await a.goto('/studio');
  await a.getByTestId(`tile-${channelName}`).waitFor({ timeout: 30_000 });
  const onAir = a.getByTestId(`tile-${channelName}`).getByTestId('put-on-air');
  if (await onAir.isVisible().catch(() => false)) await onAir.click();
  await a.getByTestId('toggle-broadcast').click();
  const live = await succeeds(a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: LIVE_TIMEOUT }));
  if (!check(live, 'the studio reaches LIVE', String(await stateOf(a).catch(() => null)))) throw new Error('not live');
  await waitUntil(
    () => ingest.streamIds.length,
    (n) => n > 0,
    { timeout: 30_000 },
  );
  const firstStreamId = ingest.streamIds[0];
  check(!!firstStreamId, 'the ingest names the stream', JSON.stringify(ingest.streamIds));

  // What players are offered: the live variant playlist's segments, read from here.
  const { playbackUrl } = await rest(BASE_URL, `/api/channels/${channelName}`);
  const variant = new URL(/^[^#].*\.m3u8$/m.exec(await (await fetch(playbackUrl)).text())[0], playbackUrl);
  const segments = async () => (await (await fetch(variant)).text()).split('\n').filter((l) => /^[^#].*\.ts$/.test(l));

  section('Viewer V watches');
  await v.goto(`/${channelName}`);
  await v.getByTestId('watch-status').filter({ hasText: /live/i }).waitFor({ timeout: 30_000 });
  const playing = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: LIVE_TIMEOUT });
  if (!check(playing.moving, 'V’s player plays the live stream', JSON.stringify(playing))) throw new Error('V does not play');
  // Sampled inside V's page; the marker is gone if the page ever reloads.
  await startViewerSamples(v, 'ingest-drop');
  await new Promise((r) => setTimeout(r, 3_000));

  const figures = [];
  for (let n = 1; n <= DROPS; n++) {
    section(`Drop ${n} of ${DROPS}: A's ingest is cut for ${DROP_MS / 1000} s`);
    const idsBefore = ingest.streamIds.length;
    const dropAt = Date.now();
    cutIngest();
    const noted = await succeeds(
      a
        .getByTestId('sink-note')
        .filter({ hasText: /reconnecting to the broadcast/i })
        .waitFor({ timeout: 4_000 }),
    );
    check(noted, 'the studio says “Reconnecting to the broadcast…”');
    await waitUntil(
      () => Date.now() - dropAt,
      (ms) => ms >= DROP_MS,
      { timeout: DROP_MS + 1_000, interval: 100 },
    );
    const listedBefore = new Set(await segments());
    ingest.cut = false;
    const restoreAt = Date.now();
    // The resumed source's first segment in the live playlist (polled while the rest goes on).
    const listed = waitUntil(
      async () => (await segments()).some((x) => !listedBefore.has(x)),
      (yes) => yes,
      { timeout: 20_000, interval: 200 },
    ).then((yes) => (yes ? Date.now() : null));
    const resumed = await waitUntil(
      () => ingest.streamIds.length,
      (count) => count > idsBefore,
      { timeout: 20_000, interval: 100 },
    );
    const resumedAt = resumed > idsBefore ? ingest.liveAt[idsBefore] : null;
    const newId = ingest.streamIds[idsBefore];
    check(
      resumedAt !== null && newId === firstStreamId,
      'the studio carries the same stream on',
      `stream ids ${JSON.stringify(ingest.streamIds)}; refused while down: ${ingest.refused}`,
    );
    const noteGone = await succeeds(a.getByTestId('sink-note').waitFor({ state: 'detached', timeout: 10_000 }));
    check(noteGone && (await stateOf(a)) === 'live', 'the studio is back to LIVE without a note', String(await stateOf(a)));

    // V's samples up to 5 s past the bar, so a late recovery is measured too.
    await waitUntil(
      () => Date.now() - restoreAt,
      (ms) => ms >= RESUME_BAR_MS + 5_000,
      { timeout: RESUME_BAR_MS + 6_000, interval: 250 },
    );
    const listedAt = await listed;
    const firstTry = ingest.connects.find((t) => t >= restoreAt);
    const samples = (await viewerSamples(v)).filter((s) => s.at >= dropAt && s.t !== null);
    // V plays its buffer, then stands still until the resumed stream reaches it: the end of the
    // longest still stretch is when its picture moved again.
    let stall = null;
    for (let i = 0; i < samples.length;) {
      let j = i;
      while (j + 1 < samples.length && samples[j + 1].t - samples[i].t < 0.05) j++;
      if (j > i && (!stall || samples[j].at - samples[i].at > stall.to - stall.from))
        stall = { from: samples[i].at, to: samples[j].at, next: samples[j + 1] ?? null };
      i = j + 1;
    }
    const stood = stall && stall.to - stall.from >= 1_000;
    const movingAgainAt = stood ? (stall.next?.at ?? null) : restoreAt;
    const ms = movingAgainAt === null ? null : Math.max(0, movingAgainAt - restoreAt);
    // Moving at the end of the window too: not just its old buffer running out.
    const tail = samples.filter((s) => s.at >= restoreAt + RESUME_BAR_MS - 2_000 && s.at <= restoreAt + RESUME_BAR_MS);
    const movingAtEnd = tail.length > 1 && tail.at(-1).t - tail[0].t > 0.5;
    console.log(
      `  figure drop ${n}: restore → V's video moving again: ${ms === null ? 'never' : `${ms} ms`}` +
        (stood
          ? ` (V stood still ${stall.to - stall.from} ms from ${stall.from - dropAt} ms after the cut)`
          : ' (V never stood still for 1 s)') +
        `; restore → studio's first try ${firstTry ? `${firstTry - restoreAt} ms` : '-'}, resumed ${resumedAt ? `${resumedAt - restoreAt} ms` : 'no'}` +
        `, new segment listed ${listedAt ? `${listedAt - restoreAt} ms` : 'no'} (${ingest.refused} tries refused while cut so far)` +
        `; V's player states: ${[...new Set(samples.map((s) => s.player))].join(', ')}`,
    );
    if (ms !== null) figures.push(ms);
    check(
      ms !== null && ms <= RESUME_BAR_MS && movingAtEnd,
      `V’s video moves again within ${RESUME_BAR_MS / 1000} s of the restore`,
      `${ms} ms, moving at the end: ${movingAtEnd}`,
    );
  }
  console.log(`  figure restore → V moving again over ${figures.length} drops: ${figures.join(', ')} ms; p50 ${p50(figures)} ms`);

  const all = await viewerSamples(v);
  const offline = all.filter((s) => s.status === 'Offline' || s.player === 'offline');
  check(all.length > 100 && offline.length === 0, 'V’s page never shows Offline', `${offline.length} of ${all.length} samples offline`);
  check(
    all.every((s) => s.player !== 'error'),
    'V’s player never shows an error',
  );
  check((await v.evaluate(() => /** @type {any} */ (window).__pageMarker)) === 'ingest-drop', 'V’s page was never reloaded');
  await viewerSamples(v, { stop: true });

  section('A ends the show: one broadcast, one recording');
  await a.getByTestId('toggle-broadcast').click();
  const confirm = a.getByRole('dialog').getByRole('button', { name: /end|stop/i });
  if (await confirm.isVisible({ timeout: 1500 }).catch(() => false)) await confirm.click();
  check(
    await succeeds(a.locator('[data-testid="broadcast-state"][data-state="offline"]').waitFor({ timeout: LIVE_TIMEOUT })),
    'the studio shows the broadcast offline',
  );
  const streams = await waitUntil(
    () => rest(BASE_URL, `/api/channels/${channelName}/streams`),
    (r) => r.items.length > 0 && r.items.every((s) => s.endedAt && s.recordingUrl),
    { timeout: 60_000, interval: 1000 },
  );
  check(
    streams?.items.length === 1 && streams.items[0].streamId === firstStreamId,
    'the channel lists one broadcast, the stream the studio started',
    JSON.stringify(streams?.items.map((s) => ({ id: s.id, streamId: s.streamId }))),
  );
  check(!!streams?.items[0]?.recordingUrl, 'with its recording', JSON.stringify(streams?.items[0]));
} catch (e) {
  check(false, 'the script ran to the end', e?.stack ?? firstLine(e));
  await failureScreenshot(a, 'ingest-drop-failure-A');
  await failureScreenshot(v, 'ingest-drop-failure-V');
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('ingest-drop');
