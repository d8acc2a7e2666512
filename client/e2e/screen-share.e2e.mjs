#!/usr/bin/env node
// Screen share alongside the camera: host A and member B on air in the screen-share layout with
// B's screen featured; real-time viewing open. B clicks "Share screen" (Chromium's fake screen
// capture): B's screen is a second, publish-only participant on the studio stage and on the show
// stage, and both A's programme canvas and an anonymous real-time viewer's canvas show the
// screen large with B's camera tile beside it (and A's), read as moving pixels at the
// compositor's slots. B stops sharing: B's camera is large again and the strip slot is empty.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/screen-share.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves screen-share.png there.
import {
  command as sharedCommand,
  socketOf as sharedSocketOf,
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  videoMoves,
  waitUntil,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'screen-share-e2e-password';
const BACKGROUND = [0x20, 0x40, 0x60];

/*
 * The compositor's slots on 1280×720 (libs/layouts computeSlots, gap 8, no padding), order [A, B]:
 * - B's screen shown: screen:B 0,74 1016×571; A 1024,212 256×144; B's camera 1024,364 256×144.
 * - without it: B's one picture 0,74 1016×571; A 1024,288 256×144; nothing below y 432 in the strip.
 * Each point is the middle of a 60×60 sampled area, at a tile's centre (Chromium's fake camera
 * moves only around the middle of its frame), inside one tile only.
 */
const SHARING = [
  [508, 360], // B's screen
  [1152, 284], // A's camera
  [1152, 436], // B's camera, beside the screen
];
const NOT_SHARING = [
  [508, 360], // B's camera, large
  [1152, 360], // A's camera
  [1152, 470], // where B's camera would be: the studio's background
];

const browser = await launchBrowser();
const person = (who, auth) => openPage(browser, { baseURL: BASE_URL, who, auth, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });

const socketOf = (account) => sharedSocketOf(BASE_URL, account);
const command = sharedCommand;

/** Samples a canvas: per point, the pixel and whether the 60×60 area around it changes within 3 s (moving video). */
async function sample(locator, points) {
  return locator.evaluate(async (canvas, pts) => {
    const ctx = canvas.getContext('2d');
    const px = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
    const area = (x, y) => Array.from(ctx.getImageData(x - 30, y - 30, 60, 60).data).reduce((a, b, i) => (a + b * ((i % 97) + 1)) % 1e9, 0);
    const first = pts.map(([x, y]) => area(x, y));
    const changing = first.map(() => false);
    const deadline = performance.now() + 3000;
    while (changing.includes(false) && performance.now() < deadline) {
      await new Promise((r) => requestAnimationFrame(r));
      pts.forEach(([x, y], i) => (changing[i] ||= area(x, y) !== first[i]));
    }
    return {
      size: `${canvas.width}x${canvas.height}`,
      points: pts.map(([x, y], i) => ({ at: [x, y], pixel: px(x, y), changing: changing[i] })),
    };
  }, points);
}
const near = (pixel, rgb, tolerance = 10) => pixel.every((c, k) => Math.abs(c - rgb[k]) <= tolerance);
const sharingShown = (r) => r.points.every((p) => p.changing);
const notSharingShown = (r) => r.points[0].changing && r.points[1].changing && near(r.points[2].pixel, BACKGROUND) && !r.points[2].changing;

const A = await register(BASE_URL, `sshost_${suffix}`.slice(0, 32), password);
const B = await register(BASE_URL, `ssguest_${suffix}`.slice(0, 32), password);
const stage = A.user.username;
const a = { page: await person('A', A) };
const b = { page: await person('B', B) };
const v = { page: await person('V', null) };
const sockets = [];

try {
  section('A and B in A’s studio, both on air, screen-share layout featuring B, real-time open');
  await a.page.goto('/studio');
  const own = await videoMoves(a.page.getByTestId(`tile-${A.user.username}`).locator('video'), { timeout: 25_000 });
  check(own.moving, 'A’s studio plays A’s camera', JSON.stringify(own));
  const sa = await socketOf(A);
  const sb = await socketOf(B);
  sockets.push(sa, sb);
  const { inviteId } = await command(sa, 'studio:invite', { stage, username: B.user.username, role: 'guest' });
  await command(sb, 'studio:invite-respond', { stage, inviteId, accept: true });
  await b.page.goto(`/studio?stage=${stage}`);
  const bOnA = await videoMoves(a.page.getByTestId(`tile-${B.user.username}`).locator('video'), { timeout: 25_000 });
  check(bOnA.moving, 'A sees B’s camera in the studio', JSON.stringify(bOnA));
  await command(sa, 'studio:set-status', { stage, memberId: A.user.id, status: 'on-air' });
  await command(sa, 'studio:set-status', { stage, memberId: B.user.id, status: 'on-air' });
  await command(sa, 'studio:layout', {
    stage,
    patch: {
      name: 'screen-share',
      order: [A.user.id, B.user.id],
      screenShareId: B.user.id,
      background: { kind: 'colour', colour: '#204060' },
    },
  });
  await command(sa, 'studio:realtime', { stage, open: true });
  await v.page.goto(`/${stage}/live`);
  await v.page.getByTestId('show-canvas').waitFor({ timeout: 30_000 });

  const programme = a.page.getByTestId('programme-canvas');
  const show = v.page.getByTestId('show-canvas');
  const before = await waitUntil(() => sample(programme, NOT_SHARING), notSharingShown, { timeout: 30_000 });
  check(notSharingShown(before), 'before sharing: B’s camera is the large tile, A alone in the strip', JSON.stringify(before.points));

  section('B shares their screen');
  const started = Date.now();
  await b.page.getByRole('button', { name: 'Share screen' }).click();
  await b.page.getByRole('button', { name: 'Stop sharing' }).waitFor({ timeout: 10_000 });
  check(true, 'B’s browser captures a screen (Chromium’s fake screen capture)');

  const onA = await waitUntil(() => sample(programme, SHARING), sharingShown, { timeout: 30_000 });
  check(onA.size === '1280x720', 'the programme is 1280×720', onA.size);
  check(onA.points[0].changing, 'A’s programme: B’s screen plays in the large slot', JSON.stringify(onA.points[0]));
  check(onA.points[1].changing, 'A’s programme: A’s camera plays in the strip', JSON.stringify(onA.points[1]));
  check(onA.points[2].changing, 'A’s programme: B’s camera tile plays beside the screen', JSON.stringify(onA.points[2]));
  console.log(`    (screen large with camera beside it in A’s programme ${Date.now() - started} ms after the click)`);
  // 30 s like the waits above: right after a share starts, one read of A's busy page can take ~10 s on two cores.
  const bTile = await videoMoves(a.page.getByTestId(`tile-${B.user.username}`).locator('video'), { timeout: 30_000 });
  check(bTile.moving, 'B’s camera tile in A’s studio keeps playing while B shares', JSON.stringify(bTile));

  const onV = await waitUntil(() => sample(show, SHARING), sharingShown, { timeout: 30_000 });
  check(onV.points[0].changing, 'real-time page: B’s screen plays in the large slot', JSON.stringify(onV.points[0]));
  check(
    onV.points[2].changing && onV.points[1].changing,
    'real-time page: B’s camera and A’s beside the screen',
    JSON.stringify(onV.points),
  );
  await docScreenshot(v.page, 'screen-share.png');

  section('B stops sharing');
  await b.page.getByRole('button', { name: 'Stop sharing' }).click();
  const afterA = await waitUntil(() => sample(programme, NOT_SHARING), notSharingShown, { timeout: 20_000 });
  check(notSharingShown(afterA), 'A’s programme: B’s camera large again, the strip slot below A empty', JSON.stringify(afterA.points));
  const afterV = await waitUntil(() => sample(show, NOT_SHARING), notSharingShown, { timeout: 20_000 });
  check(notSharingShown(afterV), 'real-time page: the same', JSON.stringify(afterV.points));
} catch (e) {
  check(false, 'the screen-share journey ran to the end', e?.stack ?? String(e));
  for (const [who, p] of [
    ['A', a.page],
    ['B', b.page],
    ['V', v.page],
  ])
    await failureScreenshot(p, `screen-share-failure-${who}`);
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  for (const s of sockets) s.close();
  await browser.close();
}

finish('screen share');
