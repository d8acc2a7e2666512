#!/usr/bin/env node
// The channel's brand on the programme: host A opens the studio, uploads a logo in the Brand
// panel (a real PNG, solid green) and the programme canvas shows it in the top-right corner; an
// overlay (a PNG, transparent but for a band) is drawn over the frame and removed again; a text
// file named .png and a 4097 px background are refused with the server's sentence shown in the
// panel; with A on air and the brand colour set, A's name tag is drawn in that colour; after a
// reload (a new page, as at the next show) the logo is still drawn.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/brand.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves studio-brand.png there.
import { join } from 'node:path';
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
  ROOT,
  socketOf,
  waitUntil,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const fixture = (name) => join(ROOT, 'server/test/fixtures/brand', name);

// logo.png is 96×48 of #00c853. compositor.brand.ts fits it to the 16 % × 12 % corner box of
// 1280×720 with a 22 px margin: 173×86 at (1085, 22), so its middle is at (1171, 65).
const LOGO_AT = [1171, 65];
const LOGO_RGB = [0x00, 0xc8, 0x53];
// A's name tag on their full-frame solo tile: the plate of a 22 px tag starts at (11, 665).
const TAG_AT = [14, 668];
const BRAND_RGB = [0xff, 0x00, 0xff];
// Inside the comment card's bottom-right corner (compositor.comment.ts: x 30…619, bottom at 616 on 1280×720).
const CARD_AT = [600, 600];
const BACKGROUND_RGB = [0x20, 0x40, 0x60];
const OVERLAY_RGB = [0x33, 0x66, 0xff];

const near = (pixel, rgb, tolerance = 12) => !!pixel && pixel.every((c, k) => Math.abs(c - rgb[k]) <= tolerance);
const pixelAt = (page, [x, y]) =>
  page
    .getByTestId('programme-canvas')
    .evaluate((canvas, [px, py]) => Array.from(canvas.getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3)), [x, y]);

const browser = await launchBrowser();
const A = await register(BASE_URL, `brand_${suffix}`.slice(0, 32), 'brand-e2e-password');
const stage = A.user.username;
const page = await openPage(browser, { baseURL: BASE_URL, who: 'A', auth: A, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });
const sa = await socketOf(BASE_URL, A);

try {
  section('A uploads a logo in the Brand panel: the programme draws it top-right');
  await page.goto('/studio');
  await page.getByTestId('brand-panel').waitFor();
  await command(sa, 'studio:layout', { stage, patch: { background: { kind: 'colour', colour: '#204060' } } });
  const blank = await waitUntil(
    () => pixelAt(page, LOGO_AT),
    (p) => near(p, BACKGROUND_RGB),
  );
  check(near(blank, BACKGROUND_RGB), 'before the upload the corner is the background colour', JSON.stringify(blank));
  await page.getByTestId('brand-logo-file').setInputFiles(fixture('logo.png'));
  const logo = await waitUntil(
    () => pixelAt(page, LOGO_AT),
    (p) => near(p, LOGO_RGB),
  );
  check(near(logo, LOGO_RGB), 'the logo’s green is drawn at its place in the programme canvas', JSON.stringify(logo));
  const thumb = await page.getByTestId('brand-logo').locator('img').getAttribute('src');
  check(/^\/api\/brand-assets\/[0-9a-f-]{36}$/.test(thumb ?? ''), 'the panel shows the uploaded logo by its same-origin path', thumb);

  section('an overlay over the tiles, scaled to the full frame');
  // overlay.png: 160×90, a #3366ff band over its top 10 rows, transparent below: 0…80 px of the frame.
  await page.getByTestId('brand-overlay-file').setInputFiles(fixture('overlay.png'));
  const band = await waitUntil(
    () => pixelAt(page, [300, 40]),
    (p) => near(p, OVERLAY_RGB),
  );
  check(near(band, OVERLAY_RGB), 'the overlay’s band is drawn across the top of the frame', JSON.stringify(band));
  check(near(await pixelAt(page, [300, 360]), BACKGROUND_RGB), 'below the band the overlay is clear: the background shows');
  await page.getByTestId('brand-overlay').getByRole('button', { name: 'Remove' }).click();
  const cleared = await waitUntil(
    () => pixelAt(page, [300, 40]),
    (p) => near(p, BACKGROUND_RGB),
  );
  check(near(cleared, BACKGROUND_RGB), 'removed, the overlay is gone from the programme', JSON.stringify(cleared));

  section('refusals: the server’s sentence is shown, nothing changes');
  await page.getByTestId('brand-overlay-file').setInputFiles(fixture('not-an-image.png'));
  const notImage = await page.getByTestId('brand-overlay-error').textContent({ timeout: 10_000 });
  check(/not a PNG, JPEG or WebP/.test(notImage ?? ''), 'a text file named .png is refused with the sentence', notImage);
  await page.getByTestId('brand-background-file').setInputFiles(fixture('wide-4097.png'));
  const wide = await page.getByTestId('brand-background-error').textContent({ timeout: 10_000 });
  check(/4097 × 16 pixels.*at most 4096/.test(wide ?? ''), 'a 4097 px image is refused with the sentence', wide);
  check(near(await pixelAt(page, [640, 360]), BACKGROUND_RGB), 'the background is still the colour');

  section('brand colour on the lower thirds');
  await command(sa, 'studio:set-status', { stage, memberId: A.user.id, status: 'on-air' });
  await page.getByTestId('brand-style').selectOption('bar');
  await page.getByTestId('brand-colour').evaluate((input, colour) => {
    input.value = colour;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, '#ff00ff');
  const tag = await waitUntil(
    () => pixelAt(page, TAG_AT),
    (p) => near(p, BRAND_RGB),
    { timeout: 20_000 },
  );
  check(near(tag, BRAND_RGB), 'A’s name tag plate is drawn in the brand colour', JSON.stringify(tag));

  section('a comment on screen wears the brand too');
  const sent = await sa.timeout(10_000).emitWithAck('chat:send', { channel: stage, text: `Love the new look, ${suffix}!` });
  check(sent.ok, 'a chat message in A’s channel is sent', JSON.stringify(sent.ok ? sent.data.id : sent.error));
  await command(sa, 'studio:comment', { stage, messageId: sent.data.id });
  const card = await waitUntil(
    () => pixelAt(page, CARD_AT),
    (p) => near(p, BRAND_RGB),
  );
  check(near(card, BRAND_RGB), 'the comment card is drawn in the brand colour at its place', JSON.stringify(card));
  if (process.env.SCREENSHOTS_DIR) {
    // The README's screen: the programme and the Brand panel under it, in one tall view.
    await page.setViewportSize({ width: 1400, height: 1560 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await docScreenshot(page, 'studio-brand.png');
    await page.setViewportSize({ width: 1400, height: 1000 });
  }

  section('the brand stays with the channel');
  await page.reload();
  await page.getByTestId('brand-panel').waitFor();
  const again = await waitUntil(
    () => pixelAt(page, LOGO_AT),
    (p) => near(p, LOGO_RGB),
  );
  check(near(again, LOGO_RGB), 'after a reload the logo is drawn again from the studio document', JSON.stringify(again));
} catch (e) {
  check(false, 'the brand journey ran to the end', e?.stack ?? String(e));
  await failureScreenshot(page, 'brand-failure');
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  sa.close();
  await browser.close();
}

finish('brand');
