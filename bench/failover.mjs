#!/usr/bin/env node
// `npm run bench:failover` (docs/benchmarks.md): how long a viewer sees nothing new when the
// host's browser dies mid-show and the cloud programme takes over (local emulation: the built
// product as `npm start` runs it, real studio pages in headless Chromium with the fake camera,
// the emulator's composition through ffmpeg). Per trial (client/e2e/failover-scene.mjs): host A
// live from the browser with co-host B on air and viewer V on the watch page; A's context is
// closed; gap = V's first presented frame of the cloud programme − V's last presented frame of
// the browser programme, read off every presented frame as bench:glass does. No baseline from
// the products we compare with: none of them keeps the show on air when the producing browser
// dies; the bar is issue 14's 20 s from the close to the viewer playing again.
// Runs the build (`npm run build` first), alone on the machine. Last line: one JSON object.
import { randomBytes } from 'node:crypto';
import { launchBrowser, startOwnProduct } from '../client/e2e/support.mjs';
import { failoverTry } from '../client/e2e/failover-scene.mjs';
import { log, percentile } from './media-bench.mjs';

const TRIALS = Number(process.env.BENCH_FAILOVER_TRIALS ?? 5);
const BAR_MS = 20_000;

// The product and this script share the emulator's key, so a trial can ask GetComposition.
process.env.IVS_EMULATOR_ACCESS_KEY_ID ??= `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
process.env.IVS_EMULATOR_SECRET_ACCESS_KEY ??= randomBytes(24).toString('base64url');

const product = await startOwnProduct('bench-failover');
const browser = await launchBrowser();
const watchdog = setTimeout(
  () => {
    log('failover bench: watchdog fired');
    void Promise.all([browser.close(), product.stop()]).then(() => process.exit(2));
  },
  (3 + TRIALS * 3) * 60_000,
);
let result;
try {
  const trials = [];
  for (let i = 0; i < TRIALS; i++) {
    const r = await failoverTry(browser, product.baseUrl, { label: `-${i + 1}` });
    trials.push(r);
    log(
      `trial ${i + 1}/${TRIALS}: gap ${r.gapMs} ms, cloud frame ${r.resumedAfterCloseMs} ms after the close, offline seen: ${r.offlineSeen}, composition at IVS: ${r.atIvs?.state ?? 'none'}`,
    );
  }
  const gaps = trials.map((t) => t.gapMs).filter((x) => x !== null);
  const resumed = trials.map((t) => t.resumedAfterCloseMs).filter((x) => x !== null);
  result = {
    bench: 'failover',
    trials: TRIALS,
    taken_over: gaps.length,
    offline_seen: trials.filter((t) => t.offlineSeen).length,
    gap_p50_ms: percentile(gaps, 50),
    gap_min_ms: gaps.length ? Math.min(...gaps) : null,
    gap_max_ms: gaps.length ? Math.max(...gaps) : null,
    close_to_cloud_frame_p50_ms: percentile(resumed, 50),
    bar_ms: BAR_MS,
    met: resumed.length === TRIALS && resumed.every((x) => x <= BAR_MS),
  };
} catch (e) {
  result = { bench: 'failover', error: e?.stack ?? String(e) };
} finally {
  clearTimeout(watchdog);
  await browser.close();
  await product.stop();
}
console.log(JSON.stringify(result));
process.exit(result.error ? 1 : 0);
