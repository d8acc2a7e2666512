#!/usr/bin/env node
// A reload is not the end of the show (issue 14): host A goes live from the studio while viewer
// V watches; A's studio page is reloaded mid-show (the browser asks first, and A confirms); the
// reloaded page carries the broadcast on into the same stream. Checks: V's page never shows
// Offline (sampled in V's page every 200 ms from before the reload until A ends the show), V's
// video moves again within 10 s of the reload, and once A ends the show the channel lists ONE
// recording. Prints how long the viewer waited.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/studio-reload.e2e.mjs
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
/** The issue's bar: the viewer's picture moves again within this long of the reload. */
const RESUME_BAR_MS = 10_000;
/** The show goes on this long after the reload, so the viewer's samples cover the resumed stream. */
const AFTER_RELOAD_MS = 25_000;

const browser = await launchBrowser();
const A = await register(BASE_URL, `reload_${suffix}`.slice(0, 32), 'studio-reload-e2e-password');
const channelName = A.user.username;
const a = await openPage(browser, { baseURL: BASE_URL, who: 'A', auth: A, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });
const v = await openPage(browser, { baseURL: BASE_URL, who: 'V', timeout: 20_000 });
const stateOf = (page) => page.getByTestId('broadcast-state').getAttribute('data-state');

try {
  section(`Host ${channelName} goes live from the studio`);
  await a.goto('/studio');
  await a.getByTestId(`tile-${channelName}`).waitFor({ timeout: 30_000 });
  // Someone must be on air for the programme to show anything.
  const onAir = a.getByTestId(`tile-${channelName}`).getByTestId('put-on-air');
  if (await onAir.isVisible().catch(() => false)) await onAir.click();
  await a.getByTestId('toggle-broadcast').click();
  const live = await succeeds(a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: LIVE_TIMEOUT }));
  if (!check(live, 'the studio reaches LIVE', String(await stateOf(a).catch(() => null)))) throw new Error('not live');

  section('Viewer V watches');
  await v.goto(`/${channelName}`);
  await v.getByTestId('watch-status').filter({ hasText: /live/i }).waitFor({ timeout: 30_000 });
  const playing = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: LIVE_TIMEOUT });
  if (!check(playing.moving, 'V’s player plays the live stream', JSON.stringify(playing))) throw new Error('V does not play');
  await startViewerSamples(v, 'studio-reload');
  await new Promise((r) => setTimeout(r, 3_000));

  section('A’s studio page is reloaded mid-show');
  let dialog = null;
  a.once('dialog', (d) => {
    dialog = d.type();
    void d.accept();
  });
  // What players are offered: the live playlist, read from here every 200 ms until the resumed
  // source's first segment is listed after the discontinuity its ffmpeg marks.
  const { playbackUrl } = await rest(BASE_URL, `/api/channels/${channelName}`);
  const resumedInPlaylist = (async () => {
    const variant = new URL(/^[^#].*\.m3u8$/m.exec(await (await fetch(playbackUrl)).text())[0], playbackUrl);
    const listed = await waitUntil(
      async () => (await (await fetch(variant)).text()).split('#EXT-X-DISCONTINUITY')[1] ?? '',
      (after) => /^[^#].*\.ts$/m.test(after),
      { timeout: 30_000, interval: 200 },
    );
    return /^[^#].*\.ts$/m.test(listed ?? '') ? Date.now() : null;
  })();
  const reloadAt = Date.now();
  await a.reload();
  check(dialog === 'beforeunload', 'the studio asks before leaving a live show it sends', String(dialog));
  await a.getByTestId('broadcast-state').waitFor({ timeout: 30_000 });
  check((await stateOf(a)) === 'live', 'the reloaded studio finds the show live', String(await stateOf(a)));
  // The new page's encoder connects and the ingest carries the stream on (the note goes when it has).
  const carried = await succeeds(a.getByTestId('sink-note').waitFor({ state: 'detached', timeout: 30_000 }));
  const sinkError = await a
    .getByRole('alert')
    .allInnerTexts()
    .catch(() => []);
  check(
    carried && !sinkError.some((t) => /broadcast/i.test(t)),
    'the reloaded page carries the broadcast on, without an error',
    sinkError.join(' | '),
  );

  // Let the show run on, then read what V saw.
  await waitUntil(
    () => Date.now() - reloadAt,
    (ms) => ms >= AFTER_RELOAD_MS,
    { timeout: AFTER_RELOAD_MS + 1_000, interval: 500 },
  );
  const samples = await viewerSamples(v);
  const offline = samples.filter((s) => s.status === 'Offline' || s.player === 'offline');
  check(
    samples.length > 100 && offline.length === 0,
    'V’s page never shows Offline',
    `${offline.length} of ${samples.length} samples offline, first at ${offline[0] ? offline[0].at - reloadAt : '-'} ms`,
  );
  const errors = samples.filter((s) => s.player === 'error');
  check(errors.length === 0, 'V’s player shows no error', `${errors.length} samples in error`);

  // V keeps playing what it had buffered, then waits; the picture moves again once the resumed
  // stream reaches it. The wait: the longest stretch after the reload in which currentTime stood still.
  const after = samples.filter((s) => s.at >= reloadAt && s.t !== null);
  let stall = null;
  for (let i = 0; i < after.length;) {
    let j = i;
    while (j + 1 < after.length && after[j + 1].t - after[i].t < 0.05) j++;
    if (j > i && (!stall || after[j].at - after[i].at > stall.to - stall.from))
      stall = { from: after[i].at, to: after[j].at, next: after[j + 1] ?? null };
    i = j + 1;
  }
  const movingAgainAt = stall && stall.to - stall.from >= 1_000 ? (stall.next?.at ?? null) : reloadAt;
  const resumeMs = movingAgainAt === null ? null : movingAgainAt - reloadAt;
  console.log(
    `  figure reload → V's video moving again: ${resumeMs === null ? 'never' : `${resumeMs} ms`}` +
      (stall && stall.to - stall.from >= 1_000
        ? ` (V played its buffer for ${stall.from - reloadAt} ms, then stood still ${stall.to - stall.from} ms)`
        : ` (V never stood still for 1 s; longest still stretch ${stall ? stall.to - stall.from : 0} ms)`),
  );
  const listedAt = await resumedInPlaylist;
  console.log(
    `  figure reload → the resumed source's first segment in the live playlist: ${listedAt ? `${listedAt - reloadAt} ms` : 'not within 30 s'}`,
  );
  check(!!listedAt, 'the live playlist carries on after a discontinuity (the same stream, a new source)');
  check(
    resumeMs !== null && resumeMs <= RESUME_BAR_MS,
    `V’s video moves again within ${RESUME_BAR_MS / 1000} s of the reload`,
    `${resumeMs} ms`,
  );
  const last = after.at(-1);
  check(
    !!last && last.t > (after[0]?.t ?? 0) + AFTER_RELOAD_MS / 1000 - RESUME_BAR_MS / 1000,
    'V plays the resumed stream on',
    JSON.stringify({ first: after[0], last }),
  );
  const moving = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 15_000 });
  check(moving.moving, 'V’s video is still moving at the end', JSON.stringify(moving));
  await viewerSamples(v, { stop: true });

  section('A ends the show: one recording');
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
    streams?.items.length === 1,
    'the channel lists one broadcast',
    JSON.stringify(streams?.items.map((s) => ({ id: s.id, streamId: s.streamId }))),
  );
  check(!!streams?.items[0]?.recordingUrl, 'with its recording', JSON.stringify(streams?.items[0]));
  await v.reload();
  const listed = v.getByTestId('broadcast-list').locator('a[href^="/vod/"]');
  await listed
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => undefined);
  check((await listed.count()) === 1, 'the channel page lists ONE recording under past broadcasts', `${await listed.count()} links`);
  if (streams?.items[0]) {
    await v.goto(`/vod/${streams.items[0].id}`);
    const vod = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 60_000 });
    check(vod.moving, 'the recording plays', JSON.stringify(vod));
  }
} catch (e) {
  check(false, 'the script ran to the end', e?.stack ?? firstLine(e));
  await failureScreenshot(a, 'studio-reload-failure-A');
  await failureScreenshot(v, 'studio-reload-failure-V');
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('studio-reload');
