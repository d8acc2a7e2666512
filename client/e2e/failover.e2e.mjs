#!/usr/bin/env node
// The show survives the host's browser. Host A is live from A's studio page with co-host B on
// air and a viewer V on A's watch page; A's browser context is closed without ending anything.
// Automatic failover (on by default) must put the cloud programme (an IVS composition of the
// show stage, really composed by the emulator) on the channel: V's page stays (or is again)
// LIVE and its video plays on within 20 s, IVS (the emulator, asked through the real SDK) has
// the composition ACTIVE, and B's studio says the cloud programme took over. The viewer-side
// gap is printed here and measured over several tries by `npm run bench:failover`.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/failover.e2e.mjs
import { createReport, cspViolations, launchBrowser, pageErrors } from './support.mjs';
import { failoverTry } from './failover-scene.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const browser = await launchBrowser();

try {
  section('A live from the browser with B on air and V watching; A’s browser is closed');
  const r = await failoverTry(browser, BASE_URL, { check, takeBack: true });
  console.log(`  (${JSON.stringify({ gapMs: r.gapMs, resumedAfterCloseMs: r.resumedAfterCloseMs, statusNow: r.statusNow })})`);
  check(
    r.resumedAfterCloseMs !== null && r.resumedAfterCloseMs <= 20_000,
    'V sees the cloud programme within 20 s',
    String(r.resumedAfterCloseMs),
  );
  check(r.moving, 'V’s video currentTime advances');
  check(/live/i.test(r.statusNow), 'V’s page says LIVE', r.statusNow);
  check(!r.offlineSeen, 'V’s page never said Offline');
  check(
    r.composition?.state === 'active' && r.composition.reason === 'failover',
    'the studio holds an active failover composition',
    JSON.stringify(r.composition),
  );
  check(r.atIvs?.state === 'ACTIVE', 'GetComposition says ACTIVE', JSON.stringify(r.atIvs));
  check(r.noticeShown, 'B’s studio says the cloud programme took over');
  check(r.hostSeatDisconnected, 'B’s studio shows A’s seat as disconnected');
  check(r.gapMs !== null, 'the viewer-side gap was measured', String(r.gapMs));

  section('A comes back and takes the programme back into the browser');
  console.log(`  (${JSON.stringify(r.takenBack)})`);
  check(!!r.takenBack?.offered, 'A’s studio offers to take the programme back');
  check(r.takenBack?.browserFrameAfterMs !== null, 'V sees the browser programme again', JSON.stringify(r.takenBack));
  // Known gap, reported not asserted: the composition's stop ends its stream feed (as at IVS), so the
  // browser's encoder starts a new stream and V's page may say Offline for a moment.
  console.log(`  figure take-back: Offline seen on V's page: ${r.takenBack?.offlineSeen}`);
} catch (e) {
  check(false, 'the script ran to the end', e?.stack ?? String(e));
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('failover');
