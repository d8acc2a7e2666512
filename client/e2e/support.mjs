// What every browser script shares: Debian's Chromium with a fake camera and microphone, a
// context per person, named checks with an exit code, waits on conditions (never on the
// clock), and screenshots that go to the docs only when asked for.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';
import { startProduct } from '../../test/e2e/product.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ------------------------------------------------------------------ reporting

/**
 * Named checks: each is printed, a failed one is remembered, and `finish` ends the script
 * with exit code 1 listing every failure. `annotate` adds a note to each line (a step's time).
 */
export function createReport({ indent = '  ', annotate = () => '' } = {}) {
  const failures = [];
  return {
    failures,
    check(ok, what, detail = '') {
      console.log(`${indent}${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? ` — ${detail}` : ''}${annotate()}`);
      if (!ok) failures.push(`${what}${detail ? ` — ${detail}` : ''}`);
      return ok;
    },
    section(name) {
      console.log(`\n${name}`);
    },
    /** Prints the outcome and exits: 0 when every check passed. */
    finish(name) {
      if (failures.length) {
        console.error(`\n${failures.length} check(s) failed:\n- ${failures.join('\n- ')}`);
        process.exit(1);
      }
      console.log(`\nall ${name} checks passed`);
      process.exit(0);
    },
  };
}

/** The first line of an error, for a check's detail. */
export const firstLine = (error) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

// ------------------------------------------------------------------ browser and pages

/** Uncaught errors of every page opened with `openPage`, as `who: message`. */
export const pageErrors = [];
/** Console errors of every page: evidence for a failed check, not failures by themselves (a 403 is logged too). */
export const consoleErrors = [];
/** The server's Content-Security-Policy must allow everything the app really loads: Chromium logs each refusal. */
export const cspViolations = [];

/** Debian's Chromium, headless unless HEADED=1; fake camera and microphone without a prompt; video may autoplay with sound. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: process.env.HEADED !== '1',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      // No GPU on our machines: rather than emulate one (SwiftShader), Chromium paints on its
      // software raster path. The show-stage probe went from p50 4.7 s to 1.9 s with these two
      // flags in one comparison; the compositor bench at 12 tiles barely moved (26 → 27 fps), so
      // take the first figure as partly the machine's noise.
      '--disable-gpu',
      '--disable-accelerated-2d-canvas',
    ],
  });
}

/**
 * A page in a browser context of its own, like a separate person on their own machine:
 * signed in as `auth` (the session the client keeps in localStorage) or anonymous.
 */
export async function openPage(
  browser,
  {
    baseURL,
    who = 'page',
    auth = null,
    viewport = { width: 1280, height: 860 },
    colorScheme = 'dark',
    timeout = 15_000,
    navigationTimeout,
  },
) {
  const context = await browser.newContext({ viewport, colorScheme, baseURL, permissions: ['camera', 'microphone'] });
  if (auth) await context.addInitScript((session) => localStorage.setItem('streamcat.session', session), JSON.stringify(auth));
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  if (navigationTimeout) page.setDefaultNavigationTimeout(navigationTimeout);
  page.on('pageerror', (error) => pageErrors.push(`${who}: ${error.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(`${who}: ${msg.text().slice(0, 300)}`);
    if (msg.type() === 'error') consoleErrors.push(`${who}: ${msg.text().slice(0, 300)}`);
  });
  return page;
}

// ------------------------------------------------------------------ waiting

/** Whether a wait (or any promise) succeeded: true when it resolved, false when it threw or timed out. */
export const succeeds = (promise) =>
  promise.then(
    () => true,
    () => false,
  );

/**
 * Reads `read()` until `done(value)` holds or `timeout` ms have passed, and returns the last
 * value either way (the caller's check says whether it was reached). A read that throws counts
 * as not done (the element may not be there yet).
 */
export async function waitUntil(read, done, { timeout = 15_000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      /* not readable yet */
    }
    if (Date.now() >= deadline) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Waits until a <video> shows moving pictures: it has a size and its time advanced by more
 * than `by` seconds (with `by` 0, a newly decoded frame is enough). Returns what was read
 * last (`moving` says whether it got there). The element may be replaced meanwhile (a tile
 * re-rendered): each read finds it again, and a restarted clock restarts the count.
 */
export async function videoMoves(video, { timeout = 20_000, by = 0 } = {}) {
  const deadline = Date.now() + timeout;
  let start = null;
  let error = null;
  // A busy renderer may take a while to answer one read: let it use what is left of the time.
  const read = () =>
    video
      .evaluate((v) => ({ t: v.currentTime, frames: v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0, width: v.videoWidth }), null, {
        timeout: Math.max(1000, deadline - Date.now()),
      })
      .catch((e) => {
        error = firstLine(e);
        throw e;
      });
  const moved = (r) => {
    if (!start || r.t < start.t) start = r;
    return r.width > 0 && (r.t - start.t > by || (by === 0 && r.frames > start.frames));
  };
  const last = await waitUntil(read, moved, { timeout });
  const moving = !!last && moved(last);
  return { moving, ...last, since: start, ...(moving || !error ? {} : { error }) };
}

/**
 * Resolves when the page's next Socket.IO connection is accepted (the server's CONNECT packet
 * arrived): from then on, pushes to this person's rooms reach the page. With `signedIn`, only
 * a connection that presented a login counts (not the anonymous one of the login page). Call
 * it before the navigation or log-in that connects.
 */
export function socketConnected(page, { signedIn = false, timeout = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      page.off('websocket', onSocket);
      reject(new Error(`no ${signedIn ? 'signed-in ' : ''}Socket.IO connection within ${timeout} ms`));
    }, timeout);
    function onSocket(ws) {
      if (!ws.url().includes('/socket.io/')) return;
      let presentedLogin = false;
      ws.on('framesent', ({ payload }) => {
        if (typeof payload === 'string' && payload.startsWith('40') && payload.includes('"token"')) presentedLogin = true;
      });
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string' || !payload.startsWith('40') || (signedIn && !presentedLogin)) return;
        clearTimeout(timer);
        page.off('websocket', onSocket);
        resolve();
      });
    }
    page.on('websocket', onSocket);
  });
}

// ------------------------------------------------------------------ screenshots

/**
 * Where the README's screenshots go: only when SCREENSHOTS_DIR is set
 * (`SCREENSHOTS_DIR=docs/screenshots node client/e2e/journey.e2e.mjs`), so a test run never
 * changes tracked files.
 */
export const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null;

/**
 * A documentation screenshot, without the toasts of the moment; nothing when SCREENSHOTS_DIR is not set.
 * `top`: from the top of the page (a check before may have scrolled a control into view, cutting the header off).
 */
export async function docScreenshot(page, file, { fullPage = false, top = false } = {}) {
  if (!SCREENSHOTS_DIR) return;
  if (top) await page.evaluate(() => window.scrollTo(0, 0));
  const dismiss = page.getByRole('button', { name: 'Dismiss notification' });
  for (const close of await dismiss.all()) await close.click().catch(() => undefined);
  await dismiss
    .first()
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, file), fullPage });
  console.log(`  screenshot ${join(SCREENSHOTS_DIR, file)}`);
}

/** Evidence of a failure, kept in the git-ignored test-results/. */
export async function failureScreenshot(page, name) {
  if (!page || page.isClosed()) return;
  const dir = join(ROOT, 'test-results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: 5000 }).then(
    () => console.error(`  screenshot: ${path}`),
    () => undefined,
  );
}

// ------------------------------------------------------------------ server

/** Calls the REST API of `baseUrl`: the status and the parsed body, whatever the status. */
export async function request(baseUrl, path, { method = 'GET', body, token, headers = {} } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** Like `request`, for calls that must succeed: the body, or an error naming the call. */
export async function rest(baseUrl, path, options = {}) {
  const res = await request(baseUrl, path, options);
  if (res.status < 200 || res.status > 299)
    throw new Error(`${options.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Registers an account over REST: `{ accessToken, user, … }`, the session a page can start with. */
export const register = (baseUrl, username, password) =>
  rest(baseUrl, '/api/auth/register', { method: 'POST', body: { username, password } });

/**
 * Starts a product of our own (embedded PostgreSQL, local media) in a fresh DATA_DIR, for
 * scripts that need what only its operator has (the DATA_DIR's IVS events key, the CLI).
 */
export async function startOwnProduct(prefix) {
  const dataDir = await mkdtemp(join(tmpdir(), `streamcat-${prefix}-`));
  console.log(`starting a StreamCat server of our own in ${dataDir}…`);
  const product = await startProduct({ dataDir });
  return {
    baseUrl: product.baseUrl,
    dataDir,
    output: () => product.output(),
    async stop() {
      await product.stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** A signed-in socket of `account` (as the app connects), for commands a script does not click through. */
export async function socketOf(baseUrl, account) {
  const s = io(baseUrl, { transports: ['websocket'], auth: { token: account.accessToken }, reconnection: false, forceNew: true });
  await new Promise((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
  return s;
}

let commandSeq = 0;
const commandRun = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
/** Sends a studio command with a fresh commandId and returns its data; a refusal throws with the error. */
export async function command(socket, event, payload, timeoutMs = 10_000) {
  const ack = await socket.timeout(timeoutMs).emitWithAck(event, { commandId: `e2e_${commandRun}_${++commandSeq}`, ...payload });
  if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

// ------------------------------------------------------------------ watching a viewer's player

/**
 * Starts sampling a watch page inside the page itself every 200 ms (a check from here would
 * miss short flips while the browser is busy): the watch status text, the player's state and
 * the video's clock. `marker` is left on `window`; it is gone if the page ever reloads.
 */
export function startViewerSamples(page, marker = 'viewer-samples') {
  return page.evaluate((m) => {
    const w = /** @type {any} */ (window);
    w.__pageMarker = m;
    w.__samples = [];
    w.__sampler = setInterval(() => {
      const video = document.querySelector('[data-testid="player-video"]');
      w.__samples.push({
        at: Date.now(),
        status: document.querySelector('[data-testid="watch-status"]')?.textContent?.trim() ?? null,
        player: document.querySelector('[data-testid="player"]')?.getAttribute('data-state') ?? null,
        t: video instanceof HTMLVideoElement ? video.currentTime : null,
      });
    }, 200);
  }, marker);
}

/** The samples so far (`stop`: and ends the sampling). */
export function viewerSamples(page, { stop = false } = {}) {
  return page.evaluate((end) => {
    const w = /** @type {any} */ (window);
    if (end) clearInterval(w.__sampler);
    return w.__samples;
  }, stop);
}

/** The longest stretch in which the video clock did not move: `{ ms, from }` (`from`: when it began). */
export function longestStall(samples) {
  let worst = { ms: 0, from: samples[0]?.at ?? 0 };
  let since = samples[0];
  for (const s of samples) {
    if (s.t !== null && since.t !== null && s.t > since.t) since = s;
    if (s.at - since.at > worst.ms) worst = { ms: s.at - since.at, from: since.at };
  }
  return worst;
}
