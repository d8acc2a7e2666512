#!/usr/bin/env node
// Browser journey of the studio against a running StreamCat server (local media):
// host A opens the studio with a fake camera → invites registered B by username → B accepts
// from the toast → both tiles play video → A puts B on air and switches layout → B sees the
// same layout and the programme canvas shows two tiles → A makes an invite link → anonymous C
// waits in the green room → A admits C → A goes live and the state reaches LIVE.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/studio.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves studio.png there.
import {
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  socketConnected,
  succeeds,
  videoMoves,
  waitUntil,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'studio-e2e-password';

const browser = await launchBrowser();

/** A person on their own machine, signed in as `auth` (or anonymous). */
const person = (who, auth) => openPage(browser, { baseURL: BASE_URL, who, auth, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });

/** Waits until the tile of `name` plays moving video (a frozen or empty picture fails). */
const tileVideo = (page, name, timeout = 20_000) => videoMoves(page.getByTestId(`tile-${name}`).locator('video'), { timeout });
const plays = (v) => v.moving && v.width > 0;

/**
 * Samples the programme canvas: the background colour at the corner, and at each point
 * whether it differs from the background and whether that area changes (read again on each
 * animation frame until every area has changed, for at most 3 s).
 */
async function sampleProgramme(page, points) {
  return page.getByTestId('programme-canvas').evaluate(async (canvas, pts) => {
    const ctx = canvas.getContext('2d');
    const px = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
    const area = (x, y) => Array.from(ctx.getImageData(x - 40, y - 40, 80, 80).data).reduce((a, b, i) => (a + b * ((i % 97) + 1)) % 1e9, 0);
    const bg = px(3, 3);
    const first = pts.map(([x, y]) => ({ pixel: px(x, y), area: area(x, y) }));
    const changing = first.map(() => false);
    const deadline = performance.now() + 3000;
    while (changing.includes(false) && performance.now() < deadline) {
      await new Promise((r) => requestAnimationFrame(r));
      pts.forEach(([x, y], i) => (changing[i] ||= area(x, y) !== first[i].area));
    }
    return {
      width: canvas.width,
      height: canvas.height,
      bg,
      points: first.map((f, i) => ({
        pixel: f.pixel,
        notBackground: f.pixel.some((c, k) => Math.abs(c - bg[k]) > 12),
        changing: changing[i],
      })),
    };
  }, points);
}

const A = await register(BASE_URL, `host_${suffix}`.slice(0, 32), password);
const B = await register(BASE_URL, `guest_${suffix}`.slice(0, 32), password);
const a = { page: await person('A', A) };
const b = { page: await person('B', B) };
const c = { page: await person('C', null) };

try {
  section(`Host ${A.user.username} opens the studio`);
  await a.page.goto('/studio');
  await a.page.getByTestId(`tile-${A.user.username}`).waitFor();
  check(true, 'the studio shows the host’s own tile');
  const own = await tileVideo(a.page, A.user.username);
  check(plays(own), 'the host’s tile plays the fake camera', JSON.stringify(own));
  const ownMuted = await a.page
    .getByTestId(`tile-${A.user.username}`)
    .locator('video')
    .evaluate((v) => v.muted);
  check(ownMuted, 'the host’s own tile is muted (no echo)');

  section(`A invites ${B.user.username} by username; B accepts from the toast`);
  // Invites are pushed to B's open sockets only: B must be connected before A invites.
  const bConnected = socketConnected(b.page, { signedIn: true });
  await b.page.goto('/');
  check(await succeeds(bConnected), 'B’s page connects to the server');
  const box = a.page.getByTestId('invite-username').locator('input');
  await box.fill(B.user.username.slice(0, 6));
  const suggestion = a.page.getByRole('button', { name: B.user.username, exact: true });
  check(await succeeds(suggestion.waitFor({ timeout: 5000 })), 'typing a prefix suggests the username');
  await box.fill(B.user.username);
  await a.page.getByTestId('invite-send').click();
  const toast = b.page.getByTestId('invite-toast');
  check(await succeeds(toast.waitFor({ timeout: 10_000 })), 'B gets the invite toast at once');
  check(/Expires in/.test((await toast.textContent()) ?? ''), 'the toast shows when it expires');
  await b.page.getByTestId('invite-accept').click();
  await b.page.waitForURL('**/studio?stage=*');
  await b.page.getByTestId(`tile-${B.user.username}`).waitFor();
  check(true, 'accepting opens A’s studio with B in it');

  section('Both see both tiles with moving video');
  for (const [who, page] of [
    ['A', a.page],
    ['B', b.page],
  ]) {
    for (const name of [A.user.username, B.user.username]) {
      const v = await tileVideo(page, name, 25_000);
      check(plays(v), `${who} sees ${name}’s video playing`, JSON.stringify(v));
    }
  }

  section('A puts both on air and switches the layout; B follows');
  await a.page.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air').click();
  // One change at a time: the button goes once the server has put A on air.
  await a.page.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air').waitFor({ state: 'detached' });
  await a.page.getByTestId(`tile-${B.user.username}`).getByTestId('put-on-air').click();
  await a.page.getByTestId('layout-side-by-side').check();
  const bLayout = await succeeds(b.page.getByTestId('current-layout').filter({ hasText: 'Side by side' }).waitFor({ timeout: 10_000 }));
  check(bLayout, 'B sees the side-by-side layout A chose');
  // Side by side, two members: two 16:9 tiles in the left and right halves, centred vertically.
  // The compositor needs a moment to receive both members' frames: sample until it shows them.
  for (const [who, page] of [
    ['B', b.page],
    ['A', a.page],
  ]) {
    const s = await waitUntil(
      () =>
        sampleProgramme(page, [
          [320, 360],
          [960, 360],
        ]),
      (s) => s.points.every((p) => p.notBackground && p.changing),
      { timeout: 15_000 },
    );
    check(s.width === 1280 && s.height === 720, `${who}'s programme canvas is 1280×720`, `${s.width}×${s.height}`);
    check(
      s.points[0].notBackground && s.points[1].notBackground,
      `${who}'s programme shows two tiles (both halves are not background)`,
      JSON.stringify(s),
    );
    check(s.points[0].changing && s.points[1].changing, `${who}'s programme tiles are moving video`, JSON.stringify(s.points));
  }

  section('Invite link → anonymous C in the green room → admitted');
  await a.page.getByTestId('create-link').click();
  const linkInput = a.page.getByTestId('invite-link').locator('input');
  await linkInput.waitFor();
  const link = await linkInput.inputValue();
  check(/\/join\/[A-Za-z0-9_-]{16,}$/.test(link), 'the host gets a join link', link);
  await c.page.goto(link);
  await c.page.getByTestId('join-name').locator('input').fill('Carol C');
  await c.page.getByTestId('join-submit').click();
  check(await succeeds(c.page.getByTestId('green-room-waiting').waitFor({ timeout: 10_000 })), 'C waits in the green room');
  const waiting = a.page.getByTestId('green-Carol C');
  check(await succeeds(waiting.waitFor({ timeout: 10_000 })), 'A sees C waiting');
  await waiting.getByTestId('admit').click();
  check(await succeeds(c.page.getByTestId('tile-Carol C').waitFor({ timeout: 15_000 })), 'C enters the studio once admitted');
  // Three people's media on two cores: a picture with a size is enough here (the moving video of two is checked above).
  const cOnA = await tileVideo(a.page, 'Carol C', 25_000);
  check(cOnA.width > 0, 'A sees C’s video', JSON.stringify(cOnA));

  section('A goes live (broadcast)');
  await a.page.getByTestId('toggle-broadcast').click();
  const state = a.page.getByTestId('broadcast-state');
  // The server's answer, pushed to every member: it leaves offline within moments of the click.
  const started = await a.page
    .waitForFunction(() => document.querySelector('[data-testid="broadcast-state"]')?.getAttribute('data-state') !== 'offline', null, {
      timeout: 5_000,
    })
    .then(() => state.evaluate((el) => el.dataset.state))
    .catch(() => state.evaluate((el) => el.dataset.state).catch(() => null));
  check(started === 'starting' || started === 'live', 'the switch shows starting… within 5 s of the click', String(started));
  const reachedLive = await succeeds(a.page.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: 45_000 }));
  check(reachedLive, 'the state turns LIVE when the Stream Start event arrives', (await state.textContent())?.trim());
  const bState = await b.page.getByTestId('broadcast-state').getAttribute('data-state');
  check(bState === 'live', 'B sees the same LIVE state', String(bState));

  await docScreenshot(a.page, 'studio.png', { fullPage: true });

  section('A ends the broadcast');
  // B and C have had their say: fewer browsers from here on, as two cores carry A's programme
  // encode and every participant's WebRTC (A's page stopped answering clicks with all three).
  await b.page.context().close();
  await c.page.context().close();
  await a.page.getByTestId('toggle-broadcast').click();
  // A live show ends only once the host confirms (a broadcast still starting is cancelled in one click).
  const confirm = a.page.getByRole('dialog').getByRole('button', { name: 'End broadcast' });
  if (await confirm.isVisible({ timeout: 1500 }).catch(() => false)) await confirm.click();
  const ended = await succeeds(a.page.locator('[data-testid="broadcast-state"][data-state="offline"]').waitFor({ timeout: 30_000 }));
  check(ended, 'the state returns to offline after Stream End');
} catch (e) {
  check(false, 'the journey ran to the end', e?.stack ?? String(e));
  for (const [who, p] of [
    ['A', a.page],
    ['B', b.page],
    ['C', c.page],
  ]) {
    const text = await p
      .locator('#main')
      .innerText({ timeout: 3000 })
      .catch((err) => `(unreadable: ${err.message})`);
    console.log(`\n--- ${who} sees:\n${text.slice(0, 600)}`);
    await failureScreenshot(p, `studio-e2e-failure-${who}`);
  }
} finally {
  // Uncaught errors are printed for diagnosis; this journey's checks are what the people see.
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('studio');
