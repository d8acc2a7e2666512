#!/usr/bin/env node
// Participant recordings (issue 17): host A goes live from the studio; members B and C join A's
// stage as headless publishers (werift peers sending ffmpeg's test pattern and tone: three studio
// pages did not fit on two cores beside the server, see headless-publisher.mjs) and publish for
// about 20 s, then leave; A ends the broadcast. On the broadcast's page A sees B's and C's own recordings (every member's, A's
// included) with durations within 2 s of how long each published, and each plays in Chromium
// (currentTime advances). Over REST, B gets only B's, and a stranger is refused with a sentence.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/participant-recordings.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves participant-recordings.png there.
import { startHeadlessPublisher } from './headless-publisher.mjs';
import {
  command,
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  request,
  rest,
  socketOf,
  videoMoves,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'participant-rec-e2e-password';
const SHOW_MS = 20_000;
const LIVE_TIMEOUT = 60_000;

const browser = await launchBrowser();
const person = (who, auth) => openPage(browser, { baseURL: BASE_URL, who, auth, viewport: { width: 1280, height: 900 }, timeout: 20_000 });

const A = await register(BASE_URL, `prhost_${suffix}`.slice(0, 32), password);
const B = await register(BASE_URL, `prb_${suffix}`.slice(0, 32), password);
const C = await register(BASE_URL, `prc_${suffix}`.slice(0, 32), password);
const D = await register(BASE_URL, `prd_${suffix}`.slice(0, 32), password);
const stage = A.user.username;
const a = await person('A', A);
const members = [{ account: B }, { account: C }];
const sockets = [];

try {
  section('A goes live from the studio; B and C join and publish for about 20 s');
  await a.goto('/studio');
  const own = await videoMoves(a.getByTestId(`tile-${A.user.username}`).locator('video'), { timeout: 30_000 });
  check(own.moving, 'A’s studio plays A’s camera', JSON.stringify(own));
  const onAir = a.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air');
  if (await onAir.isVisible().catch(() => false)) await onAir.click();
  await a.getByTestId('toggle-broadcast').click();
  await a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: LIVE_TIMEOUT });
  check(true, 'A is live');

  const sa = await socketOf(BASE_URL, A);
  sockets.push(sa);
  for (const m of members) {
    const s = await socketOf(BASE_URL, m.account);
    sockets.push(s);
    const { inviteId } = await command(sa, 'studio:invite', { stage, username: m.account.user.username, role: 'guest' });
    await command(s, 'studio:invite-respond', { stage, inviteId, accept: true });
  }
  // The truth, on this process's clock: each member publishes from the SFU's `published` (when
  // startHeadlessPublisher resolves) until its stage connection is closed.
  await Promise.all(
    members.map(async (m, i) => {
      const { token } = await rest(BASE_URL, `/api/stages/${stage}/token`, { method: 'POST', token: m.account.accessToken });
      m.publisher = await startHeadlessPublisher(token, { hue: 120 + 120 * i, tone: 330 + 110 * i, label: m.account.user.username });
      m.publishedAt = Date.now();
      const seen = await videoMoves(a.getByTestId(`tile-${m.account.user.username}`).locator('video'), { timeout: 40_000 });
      check(seen.moving, `A sees ${m.account.user.username}’s camera in the studio`, JSON.stringify(seen));
    }),
  );
  await new Promise((r) => setTimeout(r, SHOW_MS));
  for (const m of members) {
    // Closing the stage connection ends the publishing, as a member closing the tab does.
    m.publishedMs = Date.now() - m.publishedAt;
    await m.publisher.stop();
  }

  section('A ends the broadcast');
  await a.getByTestId('toggle-broadcast').click();
  await a.getByRole('dialog').getByRole('button', { name: 'End broadcast' }).click();
  await a.locator('[data-testid="broadcast-state"][data-state="offline"]').waitFor({ timeout: LIVE_TIMEOUT });
  check(true, 'the studio shows the broadcast offline');
  const streams = await rest(BASE_URL, `/api/channels/${stage}/streams`);
  const vodId = streams.items[0]?.id;
  check(!!vodId, 'the broadcast is listed', JSON.stringify(streams.items[0]));

  section('The broadcast’s page lists each member’s recording, and each plays');
  await a.goto(`/vod/${vodId}`);
  const panel = a.getByTestId('participant-recordings');
  const ready = async () => {
    const items = panel.getByTestId('participant-recording');
    const names = await items.evaluateAll((els) =>
      els.map((e) => [e.dataset.name, !!e.querySelector('[data-testid="participant-recording-play"]')]),
    );
    return names;
  };
  let listed = [];
  // Recording End comes a moment after the members leave: reload now and then (a loaded machine takes a while per load).
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await panel.waitFor({ timeout: 15_000 }).catch(() => undefined);
    listed = (await panel.isVisible().catch(() => false)) ? await ready() : [];
    if (members.every((m) => listed.some(([n, playable]) => n === m.account.user.username && playable))) break;
    await a.reload();
  }
  check(
    members.every((m) => listed.some(([n]) => n === m.account.user.username)),
    'A sees B’s and C’s recordings',
    JSON.stringify(listed),
  );
  const api = await rest(BASE_URL, `/api/vods/${vodId}/participant-recordings`, { token: A.accessToken });
  for (const m of members) {
    // One stage connection each, so one recording each: any other (a split) fails the check below.
    const mine = api.recordings.filter((r) => r.name === m.account.user.username);
    const truth = m.publishedMs;
    const ready = mine.filter((r) => r.state === 'ready');
    console.log(
      `    ${m.account.user.username}: published ${truth} ms; recordings ${JSON.stringify(mine.map((r) => [r.state, r.durationMs]))}`,
    );
    check(
      ready.length > 0 && Number.isFinite(truth) && ready.every((r) => Math.abs(r.durationMs - truth) <= 2_000),
      `${m.account.user.username}’s listed durations are within 2 s of how long they published`,
      JSON.stringify(ready.map((r) => [r.durationMs, truth])),
    );
    const rec = ready.sort((x, y) => y.durationMs - x.durationMs)[0];
    if (!rec) continue;
    const item = panel.locator(`[data-testid="participant-recording"][data-id="${rec.id}"]`);
    check(/\d/.test((await item.getByTestId('participant-recording-duration').textContent()) ?? ''), 'the page shows its duration');
    check(!!(await item.getByTestId('participant-recording-download').getAttribute('href')), 'it has a download link');
    await item.getByTestId('participant-recording-play').click();
    const played = await videoMoves(item.locator('video'), { by: 1, timeout: 20_000 });
    check(played.moving, `${m.account.user.username}’s recording plays in Chromium (currentTime advances)`, JSON.stringify(played));
    await item.getByTestId('participant-recording-play').click();
  }
  await docScreenshot(a, 'participant-recordings.png');

  section('Only the host and the member themselves');
  const bOwn = await rest(BASE_URL, `/api/vods/${vodId}/participant-recordings`, { token: B.accessToken });
  check(
    bOwn.recordings.length >= 1 && bOwn.recordings.every((r) => r.name === B.user.username && r.mine),
    'B gets only B’s recording',
    JSON.stringify(bOwn.recordings.map((r) => r.name)),
  );
  const refused = await request(BASE_URL, `/api/vods/${vodId}/participant-recordings`, { token: D.accessToken });
  check(
    refused.status === 403 && /only the broadcast's host/.test(refused.body?.error?.message ?? ''),
    'a stranger is refused with a sentence',
    JSON.stringify(refused),
  );
  const d = await person('D', D);
  await d.goto(`/vod/${vodId}`);
  await d.getByTestId('vod-title').waitFor({ timeout: 20_000 });
  check(
    !(await d
      .getByTestId('participant-recordings')
      .isVisible()
      .catch(() => false)),
    'the stranger’s page shows no recordings panel',
  );
} catch (e) {
  check(false, 'the participant-recordings journey ran to the end', e?.stack ?? String(e));
  await failureScreenshot(a, 'participant-recordings-failure-A');
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  for (const s of sockets) s.close();
  for (const m of members) await m.publisher?.stop().catch(() => undefined);
  await browser.close();
}

finish('participant recordings');
