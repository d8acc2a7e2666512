#!/usr/bin/env node
// The real-time page shows the show, not a raw grid: host A and member B publish on A's stage;
// with both on air in side-by-side, a name tag each, a banner and a background colour, an
// anonymous real-time viewer's canvas has B on the left and A on the right (programme order),
// the banner and the background where the studio's geometry puts them; once A goes backstage the
// page names B only and B fills the frame. The host's changes are sent over A's own socket.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/realtime-layout.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves realtime-layout.png there.
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
const password = 'realtime-e2e-password';
const BACKGROUND = [0x20, 0x40, 0x60];
// The default brand (no brand set): its 'bar' lower third fills the name tag with the primary colour #f0561f.
const BRAND_PRIMARY = [0xf0, 0x56, 0x1f];

const browser = await launchBrowser();
const person = (who, auth) => openPage(browser, { baseURL: BASE_URL, who, auth, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });

const socketOf = (account) => sharedSocketOf(BASE_URL, account);
const command = sharedCommand;

/**
 * Samples the show canvas: the pixel at each point, whether the 60×60 area around it changes
 * over up to 3 s of animation frames (moving video), and the canvas's accessible name.
 */
async function sampleShow(page, points) {
  return page.getByTestId('show-canvas').evaluate(async (canvas, pts) => {
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
      label: canvas.getAttribute('aria-label'),
      points: pts.map(([x, y], i) => ({ at: [x, y], pixel: px(x, y), changing: changing[i] })),
    };
  }, points);
}
const near = (pixel, rgb, tolerance = 10) => pixel.every((c, k) => Math.abs(c - rgb[k]) <= tolerance);
/** The compositor's banner colour (240, 86, 31), drawn at 92% over whatever is below. */
const bannerish = ([r, g, b]) => r > 190 && g < 130 && b < 90;

const A = await register(BASE_URL, `rthost_${suffix}`.slice(0, 32), password);
const B = await register(BASE_URL, `rtguest_${suffix}`.slice(0, 32), password);
const stage = A.user.username;
const a = { page: await person('A', A) };
const b = { page: await person('B', B) };
const v = { page: await person('V', null) };
const sockets = [];

try {
  section('A and B publish on A’s stage');
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

  section('A puts B then A on air, side by side, with a banner, and opens real-time viewing');
  await command(sa, 'studio:set-status', { stage, memberId: B.user.id, status: 'on-air' });
  await command(sa, 'studio:set-status', { stage, memberId: A.user.id, status: 'on-air' });
  await command(sa, 'studio:layout', {
    stage,
    patch: {
      name: 'side-by-side',
      order: [B.user.id, A.user.id],
      nameTags: true,
      banner: { text: 'Live from the real-time test', visible: true },
      background: { kind: 'colour', colour: '#204060' },
    },
  });
  await command(sa, 'studio:realtime', { stage, open: true });

  section('An anonymous viewer opens the real-time page');
  await v.page.goto(`/${stage}/live`);
  await v.page.getByTestId('show-canvas').waitFor({ timeout: 30_000 });
  check(true, 'the real-time page draws the show on one canvas');
  check((await v.page.getByTestId('stage-tile').count()) === 0, 'no raw grid of participant tiles');
  // Side by side, two members on 1280×720 (gap 8): two 636×357 tiles at x 0 and 644, y 181.
  const points = {
    left: [318, 300],
    right: [962, 300],
    background: [640, 60],
    banner: [40, 640],
    leftTag: [14, 522],
  };
  const s = await waitUntil(
    () => sampleShow(v.page, Object.values(points)),
    (r) => r.points[0].changing && r.points[1].changing && bannerish(r.points[3].pixel),
    { timeout: 30_000 },
  );
  const [left, right, bg, banner] = s.points;
  check(s.size === '1280x720', 'the canvas is the programme’s 1280×720', s.size);
  check(left.changing && right.changing, 'both tiles of the pair play moving video', JSON.stringify([left, right]));
  check(near(bg.pixel, BACKGROUND), 'above the pair is the studio’s background colour #204060', JSON.stringify(bg.pixel));
  check(bannerish(banner.pixel), 'the banner is drawn at the bottom left', JSON.stringify(banner.pixel));
  check(
    s.label === `On air: ${B.user.username}, ${A.user.username}. Banner: Live from the real-time test`,
    'the page names B then A (programme order) and the banner',
    s.label,
  );
  const tag = s.points[4].pixel;
  check(
    near(tag, BRAND_PRIMARY, 20),
    'a name tag (the default brand’s bar, #f0561f) is drawn at the bottom left of B’s tile',
    JSON.stringify(tag),
  );

  await docScreenshot(v.page, 'realtime-layout.png');

  section('A goes backstage: the real-time page shows B alone');
  await command(sa, 'studio:set-status', { stage, memberId: A.user.id, status: 'backstage' });
  const alone = await waitUntil(
    () => sampleShow(v.page, [points.background]),
    (r) => r.label?.startsWith(`On air: ${B.user.username}.`),
    { timeout: 10_000 },
  );
  check(
    alone.label?.startsWith(`On air: ${B.user.username}.`) && !alone.label.includes(A.user.username),
    'A is no longer named',
    alone.label,
  );
  // One member in side-by-side fills the 16:9 frame: the background strip is gone.
  check(!near(alone.points[0].pixel, BACKGROUND), 'B fills the frame (no background left above)', JSON.stringify(alone.points[0].pixel));
} catch (e) {
  check(false, 'the real-time layout journey ran to the end', e?.stack ?? String(e));
  for (const [who, p] of [
    ['A', a.page],
    ['V', v.page],
  ])
    await failureScreenshot(p, `realtime-layout-failure-${who}`);
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  for (const s of sockets) s.close();
  await browser.close();
}

finish('real-time layout');
