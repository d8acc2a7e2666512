#!/usr/bin/env node
// `npm run bench:join` (docs/benchmarks.md): a guest accepts an invite → the first video frame
// of that guest rendered in the host's studio page (local emulation: real server, real SFU,
// real LocalStage in headless Chromium with fake cameras). Per trial: the host invites a new
// user over the studio socket; t0 = the guest's `studio:invite-respond {accept}` ack; then the
// guest fetches its stage token (REST), joins and publishes its camera from an already open
// page (camera opened inside the timed span, as in the studio); t1 = the host page's first
// requestVideoFrameCallback of the guest's video. No baseline (the bar is absolute).
// Loopback only; stops by itself; the last line printed is one JSON object.
import { api, command, commandId, connectSocket, log, percentile, registerUser, startMediaBench } from './media-bench.mjs';

const TRIALS = Number(process.env.BENCH_JOIN_TRIALS ?? 12);
const TRIAL_TIMEOUT_MS = 20_000;
/** Issue 18's bar (it was p50 ≤ 1.5 s, p95 ≤ 3 s before). */
const bar = { p50: 600, p95: 900 };

/** Median ms after t0 of each step over the trials that reached it, in the order reached. */
function stepMedians(breakdowns) {
  const names = new Set(breakdowns.flatMap((b) => Object.keys(b)));
  const medians = [...names].map((n) => [
    n,
    percentile(
      breakdowns.map((b) => b[n]).filter((v) => v !== undefined),
      50,
    ),
  ]);
  return Object.fromEntries(medians.sort((a, b) => a[1] - b[1]));
}

const env = await startMediaBench();
const watchdog = setTimeout(() => {
  log('join bench: watchdog fired (5 min)');
  void env.close().then(() => process.exit(2));
}, 5 * 60_000);
let result;
try {
  const host = await registerUser(env.base, 'host');
  const stage = host.user.username;
  const hostSocket = await connectSocket(env.base, host.accessToken);
  await command(hostSocket, 'studio:join', { stage });
  const hostToken = (await api(env.base, 'POST', `/api/stages/${stage}/token`, {}, host.accessToken)).token;
  const hostPage = await env.openPage();
  await hostPage.evaluate((t) => window.bench.join(t, { source: 'camera' }), hostToken);

  const samples = [];
  const failures = [];
  /** Per trial: step → ms after t0 (`guest …` / `host …`, from the pages' marks; `token` from here). */
  const breakdowns = [];
  for (let i = 0; i < TRIALS; i++) {
    const guest = await registerUser(env.base, 'guest');
    const guestSocket = await connectSocket(env.base, guest.accessToken);
    const guestPage = await env.openPage();
    const before = new Set(Object.keys(await hostPage.evaluate(() => window.bench.firstFrames())));
    await hostPage.evaluate(() => window.bench.clearMarks());
    try {
      const { inviteId } = await command(hostSocket, 'studio:invite', {
        stage,
        commandId: commandId(),
        username: guest.user.username,
        role: 'guest',
      });
      await command(guestSocket, 'studio:invite-respond', { stage, commandId: commandId(), inviteId, accept: true });
      const t0 = Date.now();
      const token = (await api(env.base, 'POST', `/api/stages/${stage}/token`, {}, guest.accessToken)).token;
      const tokenAt = Date.now();
      await guestPage.evaluate((t) => window.bench.join(t, { source: 'camera' }), token);
      const deadline = Date.now() + TRIAL_TIMEOUT_MS;
      let t1;
      while (!t1 && Date.now() < deadline) {
        const frames = await hostPage.evaluate(() => window.bench.firstFrames());
        t1 = Object.entries(frames).find(([id]) => !before.has(id))?.[1];
        if (!t1) await new Promise((r) => setTimeout(r, 20));
      }
      if (!t1) throw new Error('no frame within 20 s');
      samples.push(t1 - t0);
      const steps = { token: tokenAt - t0 };
      for (const [who, page] of [
        ['guest', guestPage],
        ['host', hostPage],
      ]) {
        for (const [name, at] of Object.entries(await page.evaluate(() => window.bench.marks()))) steps[`${who} ${name}`] = at - t0;
      }
      breakdowns.push(steps);
      log(`trial ${i + 1}/${TRIALS}: ${t1 - t0} ms`);
      // A trial past the bar prints its steps: the median breakdown hides what an outlier waited on.
      if (t1 - t0 > bar.p50) log(`  steps: ${JSON.stringify(Object.fromEntries(Object.entries(steps).sort((a, b) => a[1] - b[1])))}`);
      // Take the guest off the stage so every trial starts from the same roster size.
      const snapshot = await command(hostSocket, 'studio:snapshot', { stage });
      const member = snapshot.document.members.find((m) => m.userId === guest.user.id);
      if (member) await command(hostSocket, 'studio:remove', { stage, commandId: commandId(), memberId: member.id });
    } catch (err) {
      failures.push(String(err instanceof Error ? err.message : err));
      log(`trial ${i + 1}/${TRIALS} failed: ${failures.at(-1)}`);
    } finally {
      await guestPage.close();
      guestSocket.close();
    }
  }
  hostSocket.close();
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  result = {
    bench: 'join',
    trials: TRIALS,
    ok: samples.length,
    failed: failures.length,
    p50_ms: p50,
    p95_ms: p95,
    min_ms: percentile(samples, 0),
    max_ms: percentile(samples, 100),
    samples_ms: samples,
    steps_p50_ms: stepMedians(breakdowns),
    bar_ms: bar,
    met: samples.length > 0 && p50 <= bar.p50 && p95 <= bar.p95 && failures.length === 0,
    ratio: p50 === null ? null : Number((p50 / bar.p50).toFixed(3)),
    load: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
  };
} catch (err) {
  log(`join bench failed: ${err instanceof Error ? err.stack : String(err)}\n${env.serverErrors()}`);
  result = { bench: 'join', error: String(err instanceof Error ? err.message : err) };
} finally {
  clearTimeout(watchdog);
  await env.close();
}
console.log(JSON.stringify(result));
process.exit(result.error ? 1 : 0);
