#!/usr/bin/env node
// Browser journey of the studio against a running StreamCat server (local media):
// host A opens the studio with a fake camera → invites registered B by username → B accepts
// from the toast → both tiles play video → A puts B on air and switches layout → B sees the
// same layout and the programme canvas shows two tiles → A makes an invite link → anonymous C
// waits in the green room → A admits C → A goes live and the state reaches LIVE.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/studio.e2e.mjs
// Exits 1 listing every failed check; saves docs/screenshots/studio.png.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const SHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

const failures = [];
function check(ok, what, detail = '') {
  console.log(`${ok ? '  ok  ' : '  FAIL'} ${what}${!ok && detail ? ` — ${detail}` : ''}`);
  if (!ok) failures.push(`${what}${detail ? ` — ${detail}` : ''}`);
  return ok;
}
const section = (name) => console.log(`\n${name}`);
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'studio-e2e-password';

async function register(username) {
  const res = await fetch(`${BASE_URL}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  return res.json();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: process.env.HEADED !== '1',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ],
});

/** A browser context signed in as `auth` (or anonymous), like a separate person on their own machine. */
async function person(label, auth) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark', baseURL: BASE_URL });
  if (auth) await context.addInitScript((s) => localStorage.setItem('streamcat.session', s), JSON.stringify(auth));
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => console.log(`  [${label} page error] ${e.message}`));
  return { context, page };
}

/** Frames decoded by a tile's <video> over `ms`: a tile that shows a frozen or empty picture fails. */
async function tileVideo(page, name, ms = 1500) {
  return page
    .getByTestId(`tile-${name}`)
    .locator('video')
    .evaluate(async (v, wait) => {
      const frames = () => v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
      const before = frames();
      const t0 = v.currentTime;
      await new Promise((r) => setTimeout(r, wait));
      return { width: v.videoWidth, framesAdvanced: frames() - before, timeAdvanced: v.currentTime - t0 };
    }, ms);
}

async function waitForVideo(page, name, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    try {
      last = await tileVideo(page, name, 700);
      if (last.width > 0 && (last.framesAdvanced > 0 || last.timeAdvanced > 0)) return last;
    } catch {
      /* the tile may not have its video yet */
    }
    await page.waitForTimeout(300);
  }
  return last;
}

/**
 * Samples the programme canvas: the background colour at the corner, and at each point
 * whether it differs from the background and whether that area changes between two reads.
 */
async function sampleProgramme(page, points) {
  return page.getByTestId('programme-canvas').evaluate(async (canvas, pts) => {
    const ctx = canvas.getContext('2d');
    const px = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
    const area = (x, y) => Array.from(ctx.getImageData(x - 40, y - 40, 80, 80).data).reduce((a, b, i) => (a + b * ((i % 97) + 1)) % 1e9, 0);
    const bg = px(3, 3);
    const first = pts.map(([x, y]) => ({ pixel: px(x, y), area: area(x, y) }));
    await new Promise((r) => setTimeout(r, 800));
    const second = pts.map(([x, y]) => area(x, y));
    return {
      width: canvas.width,
      height: canvas.height,
      bg,
      points: first.map((f, i) => ({
        pixel: f.pixel,
        notBackground: f.pixel.some((c, k) => Math.abs(c - bg[k]) > 12),
        changing: f.area !== second[i],
      })),
    };
  }, points);
}

const A = await register(`host_${suffix}`.slice(0, 32));
const B = await register(`guest_${suffix}`.slice(0, 32));
const a = await person('A', A);
const b = await person('B', B);
const c = await person('C', null);

try {
  section(`Host ${A.user.username} opens the studio`);
  await a.page.goto('/studio');
  await a.page.getByTestId(`tile-${A.user.username}`).waitFor();
  check(true, 'the studio shows the host’s own tile');
  const own = await waitForVideo(a.page, A.user.username);
  check(own?.width > 0 && (own.framesAdvanced > 0 || own.timeAdvanced > 0), 'the host’s tile plays the fake camera', JSON.stringify(own));
  const ownMuted = await a.page
    .getByTestId(`tile-${A.user.username}`)
    .locator('video')
    .evaluate((v) => v.muted);
  check(ownMuted, 'the host’s own tile is muted (no echo)');

  section(`A invites ${B.user.username} by username; B accepts from the toast`);
  await b.page.goto('/');
  await b.page.waitForFunction(() => !!document.querySelector('#main'));
  await b.page.waitForTimeout(1000); // B's socket connects
  const box = a.page.getByTestId('invite-username').locator('input');
  await box.fill(B.user.username.slice(0, 6));
  const suggestion = a.page.getByRole('button', { name: B.user.username, exact: true });
  check(
    await suggestion.waitFor({ timeout: 5000 }).then(
      () => true,
      () => false,
    ),
    'typing a prefix suggests the username',
  );
  await box.fill(B.user.username);
  await a.page.getByTestId('invite-send').click();
  const toast = b.page.getByTestId('invite-toast');
  check(
    await toast.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    ),
    'B gets the invite toast at once',
  );
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
      const v = await waitForVideo(page, name, 25_000);
      check(v?.width > 0 && (v.framesAdvanced > 0 || v.timeAdvanced > 0), `${who} sees ${name}’s video playing`, JSON.stringify(v));
    }
  }

  section('A puts both on air and switches the layout; B follows');
  await a.page.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air').click();
  await a.page.getByTestId(`tile-${B.user.username}`).getByTestId('put-on-air').waitFor();
  await a.page.waitForTimeout(300);
  await a.page.getByTestId(`tile-${B.user.username}`).getByTestId('put-on-air').click();
  await a.page.getByTestId('layout-side-by-side').check();
  const bLayout = await b.page
    .getByTestId('current-layout')
    .filter({ hasText: 'Side by side' })
    .waitFor({ timeout: 10_000 })
    .then(
      () => true,
      () => false,
    );
  check(bLayout, 'B sees the side-by-side layout A chose');
  await b.page.waitForTimeout(1500);
  // Side by side, two members: two 16:9 tiles in the left and right halves, centred vertically.
  for (const [who, page] of [
    ['B', b.page],
    ['A', a.page],
  ]) {
    const s = await sampleProgramme(page, [
      [320, 360],
      [960, 360],
    ]);
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
  check(
    await c.page
      .getByTestId('green-room-waiting')
      .waitFor({ timeout: 10_000 })
      .then(
        () => true,
        () => false,
      ),
    'C waits in the green room',
  );
  const waiting = a.page.getByTestId('green-Carol C');
  check(
    await waiting.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    ),
    'A sees C waiting',
  );
  await waiting.getByTestId('admit').click();
  check(
    await c.page
      .getByTestId('tile-Carol C')
      .waitFor({ timeout: 15_000 })
      .then(
        () => true,
        () => false,
      ),
    'C enters the studio once admitted',
  );
  const cOnA = await waitForVideo(a.page, 'Carol C', 25_000);
  check(cOnA?.width > 0, 'A sees C’s video', JSON.stringify(cOnA));

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
  const reachedLive = await a.page
    .waitForFunction(() => document.querySelector('[data-testid="broadcast-state"]')?.getAttribute('data-state') === 'live', null, {
      timeout: 45_000,
    })
    .then(
      () => true,
      () => false,
    );
  check(reachedLive, 'the state turns LIVE when the Stream Start event arrives', (await state.textContent())?.trim());
  const bState = await b.page.getByTestId('broadcast-state').getAttribute('data-state');
  check(bState === 'live', 'B sees the same LIVE state', String(bState));

  await mkdir(SHOTS, { recursive: true });
  await a.page.screenshot({ path: `${SHOTS}/studio.png`, fullPage: true });
  console.log(`\nscreenshot: ${SHOTS}/studio.png`);

  section('A ends the broadcast');
  await a.page.getByTestId('toggle-broadcast').click();
  const ended = await a.page
    .waitForFunction(() => document.querySelector('[data-testid="broadcast-state"]')?.getAttribute('data-state') === 'offline', null, {
      timeout: 30_000,
    })
    .then(
      () => true,
      () => false,
    );
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
    await p.screenshot({ path: `/tmp/studio-e2e-failure-${who}.png`, timeout: 5000 }).catch(() => undefined);
  }
} finally {
  await browser.close();
}

if (failures.length) {
  console.log(`\n${failures.length} check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('\nstudio journey: all checks passed');
