#!/usr/bin/env node
// `npm run bench:show-stage` (docs/benchmarks.md): a member goes on air → their media reaches a
// subscriber of the show stage (local emulation: the built product as `npm start` runs it, the
// real studio page in headless Chromium with the fake camera, the SFU, and a raw subscriber on
// the show stage that subscribes to whoever it is offered, as client/e2e/show-stage.e2e.mjs
// sets up). Per trial: t0 = the host's `studio:set-status {on-air}` sent; the show stage
// announces the member joined, then publishing; t1 = the first media packet of theirs at the
// subscriber. Then off air, and again. No baseline (issue 13's bar is absolute: 2 s).
// Runs the build (`npm run build` first), alone on the machine: browser pages share its cores.
// Loopback only; stops by itself; the last line printed is one JSON object.
import { launchBrowser, startOwnProduct } from '../client/e2e/support.mjs';
import { goOnAirTimes, showStageScene, startRawSubscriber } from '../client/e2e/show-stage-scene.mjs';
import { log, percentile } from './media-bench.mjs';

const TRIALS = Number(process.env.BENCH_SHOW_STAGE_TRIALS ?? 10);
const BAR_MS = 2000;

const product = await startOwnProduct('bench-show-stage');
const browser = await launchBrowser();
const watchdog = setTimeout(() => {
  log('show-stage bench: watchdog fired (6 min)');
  void Promise.all([browser.close(), product.stop()]).then(() => process.exit(2));
}, 6 * 60_000);
let result;
let scene = null;
try {
  scene = await showStageScene(browser, product.baseUrl, {
    check: (ok, what, detail) => {
      if (!ok) throw new Error(`setup failed: ${what} (${detail})`);
    },
  });
  const viewer = await fetch(`${product.baseUrl}/api/stages/${scene.stage}/viewer-token`, { method: 'POST' }).then((r) => r.json());
  const raw = await scene.person('raw', null);
  await startRawSubscriber(raw, viewer.token);
  // The member starts backstage, as someone about to be put on air.
  await scene.command('studio:set-status', { stage: scene.stage, memberId: scene.B.user.id, status: 'backstage' });
  await new Promise((r) => setTimeout(r, 2000));
  const trials = await goOnAirTimes(scene, raw, scene.B.user.id, TRIALS);
  trials.forEach((t, i) => log(`trial ${i + 1}/${TRIALS}: joined ${t.joined} ms, publishing ${t.published} ms, media ${t.media} ms`));
  const media = trials.map((t) => t.media).filter((x) => x !== null);
  const published = trials.map((t) => t.published).filter((x) => x !== null);
  const p50 = percentile(media, 50);
  result = {
    bench: 'show-stage',
    trials: TRIALS,
    reached: media.length,
    media_p50_ms: p50,
    media_p95_ms: percentile(media, 95),
    media_min_ms: media.length ? Math.min(...media) : null,
    media_max_ms: media.length ? Math.max(...media) : null,
    publishing_p50_ms: percentile(published, 50),
    bar_p50_ms: BAR_MS,
    met: media.length === TRIALS && p50 !== null && p50 <= BAR_MS,
    ratio: p50 === null ? null : Number((p50 / BAR_MS).toFixed(2)),
  };
} catch (e) {
  result = { bench: 'show-stage', error: e?.stack ?? String(e) };
} finally {
  clearTimeout(watchdog);
  scene?.close();
  await browser.close();
  await product.stop();
}
console.log(JSON.stringify(result));
process.exit(result.error ? 1 : 0);
