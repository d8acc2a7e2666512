#!/usr/bin/env node
// The whole journey of issue #6 in Debian Chromium with fake camera and microphone:
// host A goes live → a viewer plays it; A invites B → both on stage → B on air, layout changed;
// link guest C waits in the green room → admitted; moderator M removes C (the link then
// refuses), deletes viewer V's message and bans V (V still cannot chat after reload);
// A opens real-time → a real-time viewer sees the stage; A stops → offline, past broadcast,
// VOD with chat replay. A's show title, set in the studio, is on the watch page and in past
// broadcasts; C's arrival in the green room is announced at the top of A's studio.
//
// It starts its own product (embedded PostgreSQL, local media) so it can make M a moderator
// with the operator's CLI (`npm run cli -- role`): build first (`npm run build`). Usage: node client/e2e/journey.e2e.mjs
// (BASE_URL is ignored unless JOURNEY_BASE_URL and JOURNEY_MODERATOR=<user>:<password> point
// at a server where that account already is a moderator).
// Each step is a named check; a step whose prerequisite failed is reported as skipped.
// Exits 1 and lists every failed check; with SCREENSHOTS_DIR set, saves the README's screenshots there
// (studio, watch, moderation and the phone-width pages): SCREENSHOTS_DIR=docs/screenshots node client/e2e/journey.e2e.mjs
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  ROOT,
  consoleErrors,
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  firstLine,
  launchBrowser,
  openPage,
  pageErrors,
  request,
  socketConnected,
  startOwnProduct,
  videoMoves,
  waitUntil,
} from './support.mjs';

/** Going live goes through ffmpeg, HLS segments and the IVS events: give it time. */
const LIVE_TIMEOUT = 90_000;

const tag = Date.now().toString(36).slice(-5);
const names = { a: `host_${tag}`, b: `cohost_${tag}`, m: `mod_${tag}`, v: `viewer_${tag}` };
const password = `pw-${Math.random().toString(36).slice(2)}-long`;
const guestName = `Cleo ${tag}`;
const showTitle = `Friday cat chat ${tag}`;

// ------------------------------------------------------------------ reporting
const results = [];
const passed = new Set();
let stepStarted = null;
const { check, failures } = createReport({
  indent: '    ',
  annotate: () => (stepStarted ? ` (+${((Date.now() - stepStarted) / 1000).toFixed(1)} s)` : ''),
});
/** A named step: fails on a failed check or a throw; skipped when a step it needs did not pass. */
async function step(id, title, needs, body) {
  const missing = needs.filter((n) => !passed.has(n));
  if (missing.length) {
    console.log(`\n— ${title}\n    SKIP needs: ${missing.join(', ')}`);
    results.push({ id, title, status: 'skipped', detail: `needs ${missing.join(', ')}` });
    return;
  }
  console.log(`\n— ${title}`);
  const started = Date.now();
  const failedBefore = failures.length;
  stepStarted = started;
  try {
    await body();
  } catch (error) {
    check(false, 'the step completed', firstLine(error));
    for (const [who, page] of Object.entries(pages)) await failureScreenshot(page, `journey-${id}-${who}`);
  }
  stepStarted = null;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const stepFailures = failures.slice(failedBefore);
  const ok = stepFailures.length === 0;
  if (ok) passed.add(id);
  results.push({ id, title, status: ok ? 'passed' : 'failed', detail: stepFailures.join('; '), seconds });
  console.log(`    → ${ok ? 'PASSED' : 'FAILED'} (${seconds} s)`);
}

// ------------------------------------------------------------------ product and browser
let product = null;
let baseUrl = process.env.JOURNEY_BASE_URL;
let moderator = process.env.JOURNEY_MODERATOR
  ? { username: process.env.JOURNEY_MODERATOR.split(':')[0], password: process.env.JOURNEY_MODERATOR.split(':').slice(1).join(':') }
  : null;
if (!baseUrl || !moderator) {
  product = await startOwnProduct('journey');
  baseUrl = product.baseUrl;
  moderator = { username: names.m, password };
}
baseUrl = baseUrl.replace(/\/$/, '');
console.log(`Journey against ${baseUrl}`);

const browser = await launchBrowser();
const pages = {};
async function newPage(who, options = {}) {
  const page = await openPage(browser, {
    baseURL: baseUrl,
    who,
    viewport: options.viewport ?? { width: 1360, height: 900 },
    colorScheme: options.colorScheme,
    timeout: 20_000,
    // A page load competes with every other participant's media on two cores: give it longer.
    navigationTimeout: 60_000,
  });
  pages[who] = page;
  return page;
}

const api = (path, options) => request(baseUrl, path, options);

async function logIn(page, username) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/**
 * Counts tiles on the programme canvas along its middle row: stretches of picture separated
 * by the background (read at the padded corner). One member fills one stretch, two side by
 * side or in a grid leave the background gap between them. `cameras` counts the stretches
 * that show a fake camera's green picture rather than a name placeholder.
 */
async function programmeTiles(page) {
  return page.getByTestId('programme-canvas').evaluate((canvas) => {
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const bg = ctx.getImageData(2, 2, 1, 1).data;
    const row = ctx.getImageData(0, Math.floor(canvas.height / 2), canvas.width, 1).data;
    const isBg = (i) => Math.abs(row[i] - bg[0]) + Math.abs(row[i + 1] - bg[1]) + Math.abs(row[i + 2] - bg[2]) < 24;
    const isGreen = (i) => row[i + 1] > 100 && row[i] < 100 && row[i + 2] < 100;
    const runs = [];
    let start = -1;
    let gap = 0;
    const close = (end) => {
      let green = 0;
      for (let x = start; x < end; x++) if (isGreen(x * 4)) green++;
      runs.push({ width: end - start, green: green / (end - start) });
    };
    for (let x = 0; x < canvas.width; x++) {
      if (!isBg(x * 4)) {
        if (start < 0) start = x;
        gap = 0;
      } else if (start >= 0 && ++gap >= 4) {
        close(x - gap + 1);
        start = -1;
        gap = 0;
      }
    }
    if (start >= 0) close(canvas.width - gap);
    const tiles = runs.filter((r) => r.width >= 100);
    return { tiles: tiles.length, cameras: tiles.filter((r) => r.green > 0.3).length };
  });
}

// ------------------------------------------------------------------ the journey
let inviteUrl = '';
const shot = { studio: false };
let vodPath = '';
const chatText = { kept: `hello from V ${tag}`, deleted: `buy followers ${tag}` };

try {
  for (const who of ['b', 'm', 'v']) {
    const res = await api('/api/auth/register', { method: 'POST', body: { username: names[who], password } });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`could not register ${names[who]}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (product) {
    // Roles come only from the operator: the CLI finds the running server's embedded PostgreSQL in DATA_DIR.
    const env = { ...process.env, DATA_DIR: product.dataDir };
    for (const k of ['DATABASE_URL', 'EMBEDDED_POSTGRES_PORT', 'REDIS_URL', 'MEDIA_PROVIDER']) delete env[k];
    const cli = spawnSync(process.execPath, [join(ROOT, 'scripts/cli.mjs'), 'role', names.m, 'moderator'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    if (cli.status !== 0) throw new Error(`could not make ${names.m} a moderator: ${cli.stdout}${cli.stderr}`);
  }

  const a = await newPage('hostA');
  await step('register', `A (${names.a}) registers`, [], async () => {
    await a.goto('/register');
    await a.getByLabel('Username').fill(names.a);
    await a.getByLabel('Password').fill(password);
    await a.getByRole('button', { name: 'Create channel' }).click();
    await a.waitForURL('**/me/channel', { timeout: 30_000 });
    check(true, 'registration lands on My channel');
  });

  await step('studio', 'A opens the studio: camera preview, own tile, programme', ['register'], async () => {
    await a.goto('/studio');
    await a.getByTestId(`tile-${names.a}`).waitFor({ timeout: 30_000 });
    check(true, "A's own tile is on the stage");
    await a.getByTestId('programme-canvas').waitFor();
    check(true, 'the programme preview canvas is shown');
    const own = a.getByTestId(`tile-${names.a}`).locator('video');
    const p = await videoMoves(own.first(), { by: 0.5 });
    check(p.moving, 'the camera preview plays', JSON.stringify(p));
    check(await own.first().evaluate((v) => v.muted), "A's own audio is never played back (preview muted)");
    // The broadcast takes the channel's title when it starts: set it here, before going live.
    await a.getByTestId('show-title').locator('input').fill(showTitle);
    await a.getByTestId('show-title-save').click();
    await a.getByText('Show title saved.').waitFor();
    check(true, 'A sets the show title in the studio');
  });

  await step('go-live', 'A goes live', ['studio'], async () => {
    // A member must be on air for the programme to show anyone.
    const onAir = a.getByTestId(`tile-${names.a}`).getByTestId('put-on-air');
    if (await onAir.isVisible().catch(() => false)) await onAir.click();
    await a.getByTestId('toggle-broadcast').click();
    await a.waitForFunction(() => document.querySelector('[data-testid="broadcast-state"]')?.getAttribute('data-state') !== 'offline');
    check(true, 'the switch leaves offline at once (starting…)');
    await a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: LIVE_TIMEOUT });
    check(/live/i.test((await a.getByTestId('broadcast-state').textContent()) ?? ''), 'the studio shows LIVE');
  });

  const w = await newPage('watcher');
  await step('watch-live', "A viewer's watch page shows LIVE and plays", ['go-live'], async () => {
    await w.goto(`/${names.a}`);
    await w.getByTestId('watch-status').filter({ hasText: /live/i }).waitFor({ timeout: 30_000 });
    check(true, 'the watch page shows LIVE');
    const p = await videoMoves(w.getByTestId('player-video'), { by: 1, timeout: LIVE_TIMEOUT });
    check(p.moving, 'the player’s currentTime advances', JSON.stringify(p));
    const title = await w.getByTestId('watch-title').textContent();
    check(title?.trim() === showTitle, 'the watch page shows the title A set in the studio', String(title));
  });

  const b = await newPage('cohostB');
  await step('invite-b', 'A invites registered user B live; B accepts in another context; both on stage', ['studio'], async () => {
    // Invites are pushed to B's open sockets only: B's signed-in socket must be up before A invites.
    const bConnected = socketConnected(b, { signedIn: true });
    await logIn(b, names.b);
    await bConnected;
    await a.getByLabel('Invite by username').fill(names.b);
    await a.getByTestId('invite-send').click();
    const toast = b.getByTestId('invite-toast').filter({ hasText: names.a });
    await toast.waitFor({ timeout: 20_000 });
    check(true, 'B is told about the invitation on whatever page B is on');
    await toast.getByTestId('invite-accept').click();
    await b.getByTestId(`tile-${names.b}`).waitFor({ timeout: 30_000 });
    await b.getByTestId(`tile-${names.a}`).waitFor({ timeout: 30_000 });
    check(true, 'B is on the stage and sees A');
    await a.getByTestId(`tile-${names.b}`).waitFor({ timeout: 30_000 });
    check(true, 'A sees B on the stage');
    const bOnA = await videoMoves(a.getByTestId(`tile-${names.b}`).locator('video').first(), { by: 1, timeout: 30_000 });
    check(bOnA.moving, "B's camera reaches A", JSON.stringify(bOnA));
  });

  await step(
    'on-air-layout',
    'A puts B on air and changes the layout; B sees it; the programme shows two tiles',
    ['invite-b'],
    async () => {
      await a.getByTestId(`tile-${names.b}`).getByTestId('put-on-air').click();
      await a.getByTestId('layout-side-by-side').check();
      await a.getByTestId('current-layout').filter({ hasText: 'Side by side' }).waitFor();
      check(true, 'A’s studio shows the side-by-side layout');
      await b.getByTestId('current-layout').filter({ hasText: 'Side by side' }).waitFor({ timeout: 10_000 });
      check(true, 'B sees the same layout');
      // The compositor needs a moment to receive B's frames: read the canvas until it shows both.
      const seenA = await waitUntil(
        () => programmeTiles(a),
        (seen) => seen.cameras >= 2,
        // Two cores carry A's, B's and the viewer's pages under the live encode: B's first frames can take a while.
        { timeout: 20_000, interval: 500 },
      );
      check(seenA.tiles === 2 && seenA.cameras === 2, 'the programme canvas shows two tiles, both cameras', JSON.stringify(seenA));
      const seenB = await programmeTiles(b).catch(() => ({ tiles: -1, cameras: -1 }));
      check(seenB.tiles === 2, "B's programme canvas shows two tiles too", JSON.stringify(seenB));
      await docScreenshot(a, 'studio.png', { top: true });
      shot.studio = true;
    },
  );

  await step('backstage', 'A and B talk in the private backstage chat', ['invite-b'], async () => {
    const hello = `cue the intro ${tag}`;
    await a.getByTestId('backstage-input').fill(hello);
    await a.getByTestId('backstage-input').press('Enter');
    await b.getByTestId('backstage-message').filter({ hasText: hello }).waitFor({ timeout: 15_000 });
    check(true, 'B reads A’s backstage message');
    const reply = `ready when you are ${tag}`;
    await b.getByTestId('backstage-input').fill(reply);
    await b.getByTestId('backstage-input').press('Enter');
    await a.getByTestId('backstage-message').filter({ hasText: reply }).waitFor({ timeout: 15_000 });
    check(true, 'A reads B’s reply');
  });
  if (passed.has('invite-b')) await b.context().close();

  const c = await newPage('guestC');
  await step('guest-c', 'A makes an invite link; anonymous C waits in the green room; A admits C', ['studio'], async () => {
    await a.getByTestId('create-link').click();
    const link = a.getByTestId('invite-link').locator('input');
    await link.waitFor();
    inviteUrl = await link.inputValue();
    check(/\/join\/[A-Za-z0-9_-]{16,}/.test(inviteUrl), 'an invite link is shown', inviteUrl);
    await c.goto(new URL(inviteUrl).pathname);
    await c.getByTestId('join-name').locator('input').fill(guestName);
    await c.getByTestId('join-submit').click();
    await c.getByTestId('green-room-waiting').waitFor({ timeout: 20_000 });
    check(true, 'C waits in the green room');
    // Noticed at the top of the studio (a count and Admit / Deny) and in a toast, not only in the card far below.
    const bar = a.getByTestId('green-room-bar');
    await bar.getByTestId(`green-bar-${guestName}`).waitFor({ timeout: 20_000 });
    check(await bar.isVisible(), 'A sees C waiting in the green-room bar at the top of the studio');
    check((await bar.getByTestId('green-room-count').textContent())?.trim() === '1', 'the bar counts one person waiting');
    await a.getByText(`${guestName} is waiting in the green room.`).waitFor({ timeout: 5000 });
    check(true, 'a toast tells A that C is waiting');
    await bar.getByTestId(`green-bar-${guestName}`).getByTestId('admit').click();
    await c.getByTestId(`tile-${guestName}`).waitFor({ timeout: 30_000 });
    check(true, 'C is admitted and on the stage');
    await a.getByTestId(`tile-${guestName}`).waitFor({ timeout: 30_000 });
    check(true, 'A sees C on the stage');
    // The README's studio screen, if the two-tile step could not take it.
    if (!shot.studio) await docScreenshot(a, 'studio.png', { top: true });
  });

  const m = await newPage('moderatorM');
  await step(
    'mod-remove-c',
    "Moderator M sees A's channel in the panel and removes C; C is disconnected; the link no longer works",
    ['guest-c'],
    async () => {
      await logIn(m, moderator.username);
      await m.getByRole('link', { name: 'Moderation' }).click();
      await m.waitForURL('**/moderation');
      const row = m.locator(`[data-testid="moderation-row"][data-host="${names.a}"]`);
      await row.waitFor({ timeout: 20_000 });
      check(true, "A's channel / stage is listed in the panel");
      await row.click();
      const member = m.locator(`[data-testid="moderation-member"][data-name="${guestName}"]`);
      await member.waitFor();
      check(true, 'the drill-in lists C on the stage');
      await member.getByRole('button', { name: `Remove ${guestName}` }).click();
      const dialog = m.getByRole('dialog');
      await dialog.getByLabel('Reason').fill('Not part of the show');
      await dialog.getByRole('button', { name: 'Remove' }).click();
      await member.waitFor({ state: 'detached', timeout: 15_000 });
      check(true, 'C leaves the panel’s member list');
      await c
        .getByText(/removed/i)
        .first()
        .waitFor({ timeout: 15_000 });
      check(true, 'C is told they were removed');
      check(
        !(await c
          .getByTestId(`tile-${guestName}`)
          .isVisible()
          .catch(() => false)),
        'C is no longer on the stage',
      );
      await a.getByTestId(`tile-${guestName}`).waitFor({ state: 'detached', timeout: 15_000 });
      check(true, "C's tile leaves A's stage");
      await c.goto(new URL(inviteUrl).pathname);
      await c
        .getByText(/cannot be used|no longer|expired|withdrawn|used up|removed/i)
        .first()
        .waitFor({ timeout: 15_000 });
      check(true, 'the same link no longer works for C');
      // Fewer browsers from here on: two CPU cores carry every participant's WebRTC.
      await c.context().close();
    },
  );

  const v = await newPage('viewerV', { colorScheme: 'light' });
  await step('mod-chat', 'Viewer V chats; M deletes the message and bans V; V cannot chat after reload', ['register'], async () => {
    if (!passed.has('mod-remove-c')) await logIn(m, moderator.username);
    await logIn(v, names.v);
    await v.goto(`/${names.a}`);
    const input = v.getByTestId('chat-input');
    await input.fill(chatText.kept);
    await input.press('Enter');
    await v.getByTestId('chat-message').filter({ hasText: chatText.kept }).waitFor();
    await input.fill(chatText.deleted);
    await input.press('Enter');
    await v.getByTestId('chat-message').filter({ hasText: chatText.deleted }).waitFor();
    check(true, 'V’s messages appear in the chat');
    await docScreenshot(v, 'watch.png');
    if (passed.has('studio')) {
      await a.getByTestId('studio-chat-tab-viewers').click();
      await a.getByTestId('chat-message').filter({ hasText: chatText.kept }).waitFor({ timeout: 15_000 });
      check(true, 'the host reads V’s message in the studio’s viewers’ chat');
      await a.getByTestId('studio-chat-tab-backstage').click();
    }

    await m.goto(`/moderation?host=${names.a}`);
    const message = m.getByTestId('moderation-chat-message').filter({ hasText: chatText.deleted });
    await message.waitFor({ timeout: 15_000 });
    check(true, 'M sees V’s message in the panel, live');
    await message.getByRole('button', { name: `Delete message from ${names.v}` }).click();
    let dialog = m.getByRole('dialog');
    await dialog.getByLabel('Reason (optional)').fill('Spam');
    await dialog.getByRole('button', { name: 'Delete message' }).click();
    await v.getByTestId('chat-message').filter({ hasText: chatText.deleted }).waitFor({ state: 'detached', timeout: 10_000 });
    check(true, 'the deleted message disappears from V’s chat');

    await m
      .getByTestId('moderation-chat-message')
      .filter({ hasText: chatText.kept })
      .getByRole('button', { name: `Ban ${names.v}` })
      .click();
    dialog = m.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Spamming the chat');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
    await m.getByTestId('moderation-audit-entry').filter({ hasText: names.v }).first().waitFor({ timeout: 10_000 });
    check(true, 'the ban appears in the audit log');
    await docScreenshot(m, 'moderation.png', { top: true });

    await v.reload();
    await v.getByTestId('chat-sanction').waitFor({ timeout: 15_000 });
    check(
      /ban/i.test((await v.getByTestId('chat-sanction').textContent()) ?? ''),
      'after reload V is told they are banned',
      await v.getByTestId('chat-sanction').textContent(),
    );
    check(
      !(await v
        .getByTestId('chat-input')
        .isEnabled()
        .catch(() => false)),
      'V cannot type in the chat',
    );
  });

  const r = await newPage('realtimeR');
  await step('realtime', 'A opens real-time; a real-time viewer sees the stage', ['studio'], async () => {
    await a.getByRole('button', { name: 'Open real-time' }).click();
    await a.getByTestId('realtime-state').filter({ hasText: /open/i }).waitFor();
    check(true, 'the studio shows real-time OPEN');
    await r.goto(`/${names.a}/live`);
    // The page draws the show as the programme does (client/e2e/realtime-layout.e2e.mjs checks the layout itself).
    const canvas = r.getByTestId('show-canvas');
    await canvas.waitFor({ timeout: 30_000 });
    check(true, 'the real-time page shows the stage');
    const label = await waitUntil(
      () => canvas.getAttribute('aria-label'),
      (l) => !!l?.includes(names.a),
    );
    check(!!label?.includes(names.a), 'the real-time page shows A, who is on air', String(label));
    const moving = await waitUntil(
      () =>
        canvas.evaluate(async (c) => {
          const ctx = c.getContext('2d');
          const sum = () => ctx.getImageData(0, 0, c.width, c.height).data.reduce((a, b, i) => (a + b * ((i % 97) + 1)) % 1e9, 0);
          const first = sum();
          // Until the picture changes, for at most 3 s of animation frames.
          for (const until = performance.now() + 3000; performance.now() < until;) {
            await new Promise((frame) => requestAnimationFrame(frame));
            if (sum() !== first) return true;
          }
          return false;
        }),
      Boolean,
      { timeout: 30_000 },
    );
    check(moving, 'the members’ video plays on the real-time page');
  });

  await step(
    'stop',
    'A stops: the watch page shows offline; the broadcast is in past broadcasts; its VOD plays with chat replay',
    ['go-live', 'watch-live'],
    async () => {
      // Still live from the go-live step? If the broadcast ended on its own, say so rather than
      // pressing the switch (which would then start a new broadcast).
      const before = await a.getByTestId('broadcast-state').getAttribute('data-state');
      if (!check(before === 'live', 'the broadcast is still live when A stops it', `state ${before}`)) return;
      await a.getByTestId('toggle-broadcast').click();
      // Ending a live show is asked first: one click alone must not end it.
      const confirm = a.getByRole('dialog').getByRole('button', { name: 'End broadcast' });
      await confirm.waitFor({ timeout: 5000 });
      check((await a.getByTestId('broadcast-state').getAttribute('data-state')) === 'live', 'one click on End broadcast asks first');
      await confirm.click();
      await a.locator('[data-testid="broadcast-state"][data-state="offline"]').waitFor({ timeout: LIVE_TIMEOUT });
      check(true, 'the studio shows the broadcast offline');
      await w
        .getByTestId('watch-status')
        .filter({ hasText: /offline/i })
        .waitFor({ timeout: LIVE_TIMEOUT });
      check(true, 'the watch page switches to offline (pushed, no reload)');
      const vodLink = w.locator('a[href^="/vod/"]').first();
      await vodLink.waitFor({ timeout: 60_000 }).catch(async () => {
        await w.reload();
        await vodLink.waitFor({ timeout: 30_000 });
      });
      check(true, 'the broadcast appears in past broadcasts');
      const listed = await vodLink.textContent();
      check(!!listed?.includes(showTitle), 'past broadcasts list it under the title A set in the studio', String(listed));
      vodPath = (await vodLink.getAttribute('href')) ?? '';
      await w.goto(vodPath);
      const vod = await videoMoves(w.getByTestId('player-video'), { by: 1, timeout: 60_000 });
      if (!check(vod.moving, 'the VOD plays', JSON.stringify(vod))) return;
      // V chatted a minute or more into the show: at the start of the video the replay has
      // not reached the message yet; scrubbing past it shows it (the replay follows the clock).
      const replay = w.getByTestId('chat-replay');
      const video = w.getByTestId('player-video');
      const early = await video.evaluate((v) => v.currentTime);
      check(
        early < 30 && !(await replay.getByText(chatText.kept).isVisible()),
        'at the start of the video the replay has not reached V’s message',
        `currentTime ${early}`,
      );
      await video.evaluate((v) => {
        v.currentTime = Math.max(0, v.duration - 2);
      });
      await replay.getByText(chatText.kept).waitFor({ timeout: 15_000 });
      check(true, 'scrubbing past it shows V’s message in the replay');
      check(
        !(await replay
          .getByText(chatText.deleted)
          .isVisible()
          .catch(() => false)),
        'the deleted message is not replayed',
      );
    },
  );

  // Phone widths: nothing may force sideways scrolling, and the screens go in the README.
  const phone = { width: 390, height: 844 };
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await step('phone', 'At phone width (390 px) the studio, home and watch pages fit the screen', ['studio'], async () => {
    await a.setViewportSize(phone);
    // The studio lays itself out again for the narrow screen: give it until it fits (or 5 s).
    const studioOverflow = await waitUntil(
      () => overflow(a),
      (px) => px <= 1,
      { timeout: 5000 },
    );
    check(studioOverflow <= 1, 'the studio has no sideways scroll', `${studioOverflow} px too wide`);
    await docScreenshot(a, 'studio-phone.png');
    const p = await newPage('phone', { colorScheme: 'light', viewport: phone });
    await p.goto('/');
    await p.getByRole('heading', { level: 1 }).first().waitFor();
    check((await overflow(p)) <= 1, 'the home page has no sideways scroll', `${await overflow(p)} px too wide`);
    await docScreenshot(p, 'home-phone.png');
    await p.goto(`/${names.a}`);
    await p.getByTestId('watch-status').waitFor();
    check((await overflow(p)) <= 1, 'the watch page has no sideways scroll', `${await overflow(p)} px too wide`);
    await docScreenshot(p, 'watch-phone.png');
  });
} catch (error) {
  results.push({ id: 'setup', title: 'journey setup', status: 'failed', detail: error instanceof Error ? error.message : String(error) });
} finally {
  await browser.close().catch(() => undefined);
  if (product && process.env.JOURNEY_SERVER_LOG) await writeFile(process.env.JOURNEY_SERVER_LOG, product.output()).catch(() => undefined);
  await product?.stop();
}

console.log('\nJourney summary');
for (const r of results) console.log(`  ${r.status.padEnd(7)} ${r.title}${r.detail ? ` — ${r.detail}` : ''}`);
if (consoleErrors.length)
  console.log(`\nBrowser console errors (for diagnosis):\n- ${[...new Set(consoleErrors)].slice(0, 30).join('\n- ')}`);
if (pageErrors.length) console.log(`\nUncaught page errors:\n- ${[...new Set(pageErrors)].join('\n- ')}`);
if (cspViolations.length) console.log(`\nContent-Security-Policy violations:\n- ${[...new Set(cspViolations)].join('\n- ')}`);
const failed = results.filter((r) => r.status !== 'passed');
if (failed.length || pageErrors.length || cspViolations.length) {
  console.error(
    `\n${failed.length} step(s) did not pass${pageErrors.length ? `, ${pageErrors.length} uncaught page error(s)` : ''}${cspViolations.length ? `, ${cspViolations.length} CSP violation(s)` : ''}.`,
  );
  process.exit(1);
}
console.log(`\nAll ${results.length} steps passed.`);
