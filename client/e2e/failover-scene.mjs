// The failover scene shared by client/e2e/failover.e2e.mjs (what must hold) and
// bench/failover.mjs (how long viewers see nothing): host A live from A's studio page with
// member B on air, a viewer V on A's watch page; A's browser context is closed without ending
// anything (a crashed tab, a sleeping laptop). The cloud programme must take over.
//
// The viewer-side gap is measured the way bench:glass measures latency: on every frame V's
// player presents (requestVideoFrameCallback) a corner of the picture is read back. The studio's
// background is set to magenta, which only the browser programme draws (our compositor paints
// the background around the tiles); after the close any frame without it is the cloud
// programme's (black, or B's picture). Gap = the first presented cloud frame − the last
// presented browser frame.
import { IVSRealTimeClient, GetCompositionCommand } from '@aws-sdk/client-ivs-realtime';
import { command as sharedCommand, docScreenshot, openPage, register, socketOf, videoMoves, waitUntil } from './support.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MAGENTA = '#ff00ff';

/** GetComposition through the real SDK against the product's emulator (scripts/e2e.mjs shares its key). */
export async function compositionAtIvs(baseUrl, arn) {
  const region = arn.split(':')[3];
  const client = new IVSRealTimeClient({
    region,
    endpoint: `${baseUrl}/_ivs/realtime`,
    credentials: { accessKeyId: process.env.IVS_EMULATOR_ACCESS_KEY_ID, secretAccessKey: process.env.IVS_EMULATOR_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    return (await client.send(new GetCompositionCommand({ arn }))).composition ?? null;
  } finally {
    client.destroy();
  }
}

/** Reads the corner of every frame V's player presents, and the watch status every 250 ms. */
async function startWatching(v) {
  await v.getByTestId('player-video').evaluate((video) => {
    const w = (window.__failover = { frames: [], statuses: [] });
    const canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const kindOf = () => {
      // The top-left 8×8 of the picture: letterbox band in both programmes (two 16:9 tiles side by side).
      const sw = Math.max(8, Math.round(video.videoWidth / 80));
      ctx.drawImage(video, 2, 2, sw, sw, 0, 0, 8, 8);
      const [r, g, b] = ctx.getImageData(4, 4, 1, 1).data;
      if (r > 150 && g < 100 && b > 150) return 'browser';
      if (r < 45 && g < 45 && b < 45) return 'cloud';
      return 'other';
    };
    const onFrame = () => {
      if (video.videoWidth) w.frames.push({ at: Date.now(), kind: kindOf(), t: video.currentTime });
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    setInterval(() => {
      w.statuses.push({ at: Date.now(), text: document.querySelector('[data-testid="watch-status"]')?.textContent?.trim() ?? '' });
    }, 250);
  });
}

/**
 * One try. Returns what happened: the viewer-side gap, when the composition was active, whether
 * V's page ever said Offline, B's notice, and GetComposition's answer.
 */
export async function failoverTry(
  browser,
  baseUrl,
  { check = () => undefined, password = 'failover-scene-password', label = '', takeBack = false } = {},
) {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
  const person = (who, auth) => openPage(browser, { baseURL: baseUrl, who, auth, timeout: 30_000 });
  const A = await register(baseUrl, `fohost_${suffix}`.slice(0, 32), password);
  const B = await register(baseUrl, `fob_${suffix}`.slice(0, 32), password);
  const stage = A.user.username;
  const pages = [];
  const sockets = [];
  try {
    // A's commands go over a socket that never joins the studio room: only A's page counts as A's studio.
    const sa = await socketOf(baseUrl, A);
    const sb = await socketOf(baseUrl, B);
    sockets.push(sa, sb);
    const a = await person(`A${label}`, A);
    pages.push(a);
    await a.goto('/studio');
    await a.getByTestId(`tile-${A.user.username}`).waitFor({ timeout: 30_000 });
    const { inviteId } = await sharedCommand(sa, 'studio:invite', { stage, username: B.user.username, role: 'cohost' });
    await sharedCommand(sb, 'studio:invite-respond', { stage, inviteId, accept: true });
    const b = await person(`B${label}`, B);
    pages.push(b);
    await b.goto(`/studio?stage=${stage}`);
    const own = await videoMoves(b.getByTestId(`tile-${B.user.username}`).locator('video'), { timeout: 30_000 });
    check(own.moving, 'B’s studio plays B’s camera', JSON.stringify(own));
    await sharedCommand(sa, 'studio:layout', {
      stage,
      patch: { name: 'grid', order: [A.user.id, B.user.id], background: { kind: 'colour', colour: MAGENTA } },
    });

    await a.getByTestId('toggle-broadcast').click();
    await a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: 60_000 });
    check(true, 'A is live from A’s browser');

    const v = await person(`V${label}`, null);
    pages.push(v);
    await v.goto(`/${stage}`);
    await v.getByTestId('watch-status').filter({ hasText: /live/i }).waitFor({ timeout: 30_000 });
    const playing = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 40_000 });
    check(playing.moving, 'V plays the browser programme', JSON.stringify(playing));
    await startWatching(v);
    const sawBrowser = await waitUntil(
      () => v.evaluate(() => window.__failover.frames.filter((f) => f.kind === 'browser').length),
      (n) => n > 10,
      // A loaded machine presents V's frames slowly: this is the precondition, not a measured bound.
      { timeout: 30_000 },
    );
    check(sawBrowser > 10, 'V’s frames are recognised as the browser programme (magenta background)', String(sawBrowser));

    // A's tab dies: no End broadcast, no unload handler (Playwright closes without beforeunload).
    sa.close();
    const closedAt = Date.now();
    await a.context().close();
    pages.shift();

    // After the close every frame without the magenta background is the cloud programme's
    // (black holding frames, or B filling the picture once B publishes on the show stage).
    const resumed = await waitUntil(
      () => v.evaluate((t) => window.__failover.frames.find((f) => f.kind !== 'browser' && f.at > t) ?? null, closedAt),
      Boolean,
      { timeout: 40_000, interval: 250 },
    );
    const watched = await v.evaluate(() => window.__failover);
    const lastBrowser = [...watched.frames].filter((f) => f.kind === 'browser' && (!resumed || f.at < resumed.at)).pop() ?? null;
    const moving = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 20_000 });
    const offlineSeen = watched.statuses.some((s) => /offline/i.test(s.text));
    const statusNow = watched.statuses.at(-1)?.text ?? '';

    const noticeShown = await b
      .getByTestId('failover-notice')
      .waitFor({ timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    const snapshot = await sb.timeout(10_000).emitWithAck('studio:snapshot', { stage });
    const composition = snapshot.ok ? snapshot.data.document.live.programme?.composition : null;
    const atIvs = composition?.arn ? await compositionAtIvs(baseUrl, composition.arn).catch((e) => ({ error: String(e) })) : null;

    const hostSeatDisconnected = await b
      .getByTestId(`tile-${A.user.username}`)
      .getByTestId('seat-disconnected')
      .waitFor({ timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    if (noticeShown) await docScreenshot(b, 'studio-failover.png');

    // A comes back: A's studio offers to take the programme back; taking it resumes A's encoder
    // into the same stream once the composition has stopped, and V sees the browser programme again.
    let takenBack = null;
    if (takeBack) {
      const a2 = await person(`A2${label}`, A);
      pages.push(a2);
      await a2.goto('/studio');
      const offer = a2.getByTestId('take-back');
      const offered = await offer
        .waitFor({ timeout: 30_000 })
        .then(() => true)
        .catch(() => false);
      const streamBefore = await fetch(`${baseUrl}/api/channels/${stage}`)
        .then((r) => r.json())
        .catch(() => null);
      const clickedAt = Date.now();
      if (offered) await offer.click();
      const browserAgain = offered
        ? await waitUntil(
            () => v.evaluate((t) => window.__failover.frames.find((f) => f.kind === 'browser' && f.at > t) ?? null, clickedAt),
            Boolean,
            { timeout: 40_000, interval: 250 },
          )
        : null;
      const after = await v.evaluate(() => window.__failover);
      takenBack = {
        offered,
        browserFrameAfterMs: browserAgain ? browserAgain.at - clickedAt : null,
        offlineSeen: after.statuses.some((s) => /offline/i.test(s.text)),
        streamBefore: streamBefore?.currentStreamId ?? streamBefore?.stream?.streamId ?? null,
      };
    }

    const result = {
      hostSeatDisconnected,
      takenBack,
      gapMs: resumed && lastBrowser ? resumed.at - lastBrowser.at : null,
      resumedAfterCloseMs: resumed ? resumed.at - closedAt : null,
      offlineSeen,
      statusNow,
      moving: moving.moving,
      noticeShown,
      composition,
      atIvs,
    };
    // Leave nothing live behind for the next script.
    await sharedCommand(sb, 'studio:broadcast', { stage, action: 'stop' }).catch(() => undefined);
    return result;
  } finally {
    for (const s of sockets) s.close();
    for (const p of pages)
      await p
        .context()
        .close()
        .catch(() => undefined);
  }
}
