#!/usr/bin/env node
// Browser check of what viewers see, against a real StreamCat server:
// V watches A's offline channel → A goes live (IVS events posted to /api/ivs/events) → V's
// page switches to LIVE without a reload → V chats → A deletes the message from their own
// watch page and it disappears for V → A bans V → V cannot chat after a reload and sees why
// → A goes offline. Then, if the local ingest and ffmpeg are there, real video: a test
// pattern streamed to A's channel plays on V's page (currentTime advancing), and after it
// ends the recording replays with its chat on the VOD page.
// Usage: node client/e2e/viewer.e2e.mjs (starts its own server: it needs the server's DATA_DIR
// to read the IVS events key), or BASE_URL=… DATA_DIR=… to use a running one.
// Saves docs/screenshots/{watch,home,vod}.png. Exits 1 listing every failed check.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startProduct } from '../../test/e2e/product.mjs';

const SHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
const failures = [];
function check(ok, what, detail = '') {
  console.log(`${ok ? '  ok  ' : '  FAIL'} ${what}${!ok && detail ? ` — ${detail}` : ''}`);
  if (!ok) failures.push(`${what}${detail ? ` — ${detail}` : ''}`);
  return ok;
}
const section = (name) => console.log(`\n${name}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The events key lives in the server's DATA_DIR: use the one we are told, or start our own server.
let product = null;
let ownDataDir = null;
let BASE_URL = process.env.BASE_URL?.replace(/\/$/, '');
let dataDir = process.env.DATA_DIR;
if (!BASE_URL || !dataDir) {
  ownDataDir = mkdtempSync(join(tmpdir(), 'streamcat-viewer-e2e-'));
  console.log('starting a StreamCat server of our own (its DATA_DIR holds the IVS events key)…');
  product = await startProduct({ dataDir: ownDataDir });
  BASE_URL = product.baseUrl;
  dataDir = ownDataDir;
}
const eventsKey = readFileSync(join(dataDir, 'secrets', 'ivs-events-api-key'), 'utf8').trim();

async function rest(path, { method = 'GET', token, body } = {}) {
  const res = await fetch(BASE_URL + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return json;
}

async function postStreamEvent(channel, eventName, streamId) {
  const envelope = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'IVS Stream State Change',
    source: 'aws.ivs',
    account: channel.arn.split(':')[4],
    time: new Date().toISOString(),
    region: channel.arn.split(':')[3],
    resources: [channel.arn],
    detail: { event_name: eventName, channel_name: channel.name, stream_id: streamId },
  };
  const res = await fetch(`${BASE_URL}/api/ivs/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': eventsKey },
    body: JSON.stringify(envelope),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = `pw-${Math.random().toString(36).slice(2)}-long`;
const hostName = `host_${suffix}`.slice(0, 32);
const viewerName = `view_${suffix}`.slice(0, 32);

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
const pageErrors = [];
// The server's Content-Security-Policy must allow everything the app really loads: Chromium reports each refusal here.
const cspViolations = [];

async function signedInPage(auth, colorScheme = 'dark') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme, baseURL: BASE_URL });
  if (auth) await context.addInitScript((session) => localStorage.setItem('streamcat.session', session), JSON.stringify(auth));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (msg) => /Content Security Policy/i.test(msg.text()) && cspViolations.push(msg.text().slice(0, 300)));
  return page;
}

const statusOf = async (page) => ((await page.getByTestId('watch-status').textContent()) ?? '').trim();
async function waitForStatus(page, want, timeout = 10_000) {
  try {
    await page.waitForFunction((w) => document.querySelector('[data-testid="watch-status"]')?.textContent?.trim() === w, want, { timeout });
    return true;
  } catch {
    return false;
  }
}

let exitCode = 0;
try {
  section(`Accounts: host ${hostName}, viewer ${viewerName} at ${BASE_URL}`);
  const hostAuth = await rest('/api/auth/register', { method: 'POST', body: { username: hostName, password } });
  const viewerAuth = await rest('/api/auth/register', { method: 'POST', body: { username: viewerName, password } });
  const me = await rest('/api/me', { token: hostAuth.accessToken });
  const channel = { name: me.channel.name, arn: me.channel.arn };
  await rest('/api/me/channel', { method: 'PATCH', token: hostAuth.accessToken, body: { title: 'Knitting a StreamCat scarf' } });
  check(!!channel.arn, 'the host has a channel', channel.arn);

  section('V opens the offline channel');
  const v = await signedInPage(viewerAuth);
  await v.goto(`/${channel.name}`);
  await v.getByTestId('watch-status').waitFor();
  check((await statusOf(v)) === 'Offline', 'the watch page says Offline');
  check((await v.getByTestId('player').getAttribute('data-state')) === 'offline', 'the player shows the offline slate');
  check(((await v.getByTestId('watch-title').textContent()) ?? '').includes('Knitting'), 'the title is shown');
  await v.evaluate(() => (window.__noReload = true));

  section('A goes live (IVS Stream Start posted to /api/ivs/events)');
  const fakeStream = `st-e2e${suffix}`;
  const started = await postStreamEvent(channel, 'Stream Start', fakeStream);
  check(started.status === 200 && started.body?.outcome === 'applied', 'the server applies Stream Start', JSON.stringify(started));
  check(await waitForStatus(v, 'Live'), 'V sees LIVE without reloading', await statusOf(v));
  check(await v.evaluate(() => window.__noReload === true), 'the page was not reloaded');
  check(await v.getByTestId('viewer-count').isVisible(), 'a viewer count is shown while live');

  section('V chats');
  await v.getByTestId('chat-input').fill('hello from V');
  await v.getByTestId('chat-input').press('Enter');
  await v.getByTestId('chat-message').filter({ hasText: 'hello from V' }).waitFor();
  check(true, "V's message shows in the chat");
  check((await v.getByRole('button', { name: /^Delete message/ }).count()) === 0, 'V has no moderation buttons');

  section('A deletes the message from their own watch page');
  const a = await signedInPage(hostAuth, 'light');
  await a.goto(`/${channel.name}`);
  await a.getByTestId('chat-message').filter({ hasText: 'hello from V' }).waitFor();
  check(await a.getByTestId('stream-health').isVisible(), 'the owner sees the stream health');
  check((await v.getByTestId('stream-health').count()) === 0, 'viewers do not see the stream health');
  const viewersSeen = await v
    .waitForFunction(() => /^[2-9]/.test(document.querySelector('[data-testid="viewer-count"]')?.textContent?.trim() ?? ''), null, {
      timeout: 8000,
    })
    .then(() => true)
    .catch(() => false);
  check(viewersSeen, 'the viewer count rises when A opens the page too', await v.getByTestId('viewer-count').textContent());
  const row = a.getByTestId('chat-message').filter({ hasText: 'hello from V' });
  await row.hover();
  await row.getByRole('button', { name: `Delete message from ${viewerName}` }).click();
  const gone = await v
    .getByTestId('chat-message')
    .filter({ hasText: 'hello from V' })
    .waitFor({ state: 'detached', timeout: 8000 })
    .then(() => true)
    .catch(() => false);
  check(gone, 'the message disappears from V’s chat');

  section('A bans V');
  await v.getByTestId('chat-input').fill('second try');
  await v.getByTestId('chat-input').press('Enter');
  const second = a.getByTestId('chat-message').filter({ hasText: 'second try' });
  await second.waitFor();
  await second.hover();
  await second.getByRole('button', { name: `Ban ${viewerName}` }).click();
  await a.getByLabel('Reason').fill('posting spam links');
  await a.getByRole('button', { name: 'Ban', exact: true }).click();
  const pushed = await v
    .getByTestId('chat-sanction')
    .waitFor({ timeout: 8000 })
    .then(() => true)
    .catch(() => false);
  check(pushed, 'V’s send box closes as soon as the ban lands');
  await v.reload();
  await v.getByTestId('chat-sanction').waitFor();
  const sanction = ((await v.getByTestId('chat-sanction').textContent()) ?? '').trim();
  check(/banned/i.test(sanction) && sanction.includes('posting spam links'), 'after a reload V still cannot chat and sees why', sanction);
  check((await v.getByTestId('chat-input').count()) === 0, 'there is no send box for V');

  await mkdir(SHOTS, { recursive: true });
  await v.screenshot({ path: resolve(SHOTS, 'watch.png') });

  section('Home lists the live channel');
  const h = await signedInPage(null);
  await h.goto('/');
  const card = h.locator(`[data-testid="live-channel"][data-channel="${channel.name}"]`);
  check(
    await card.waitFor({ timeout: 8000 }).then(
      () => true,
      () => false,
    ),
    'the live channel is on the home page',
  );
  await h.screenshot({ path: resolve(SHOTS, 'home.png'), fullPage: true });

  section('A goes offline (IVS Stream End)');
  const ended = await postStreamEvent(channel, 'Stream End', fakeStream);
  check(ended.status === 200, 'the server applies Stream End', JSON.stringify(ended));
  check(await waitForStatus(v, 'Offline'), 'V sees Offline without reloading', await statusOf(v));

  section('Real video through the local ingest');
  const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
  let WebSocketImpl = globalThis.WebSocket;
  if (!WebSocketImpl) WebSocketImpl = (await import('ws')).WebSocket;
  if (!ffmpeg) {
    console.log('  skip ffmpeg is not installed: real HLS playback not tried');
  } else {
    const creds = await rest('/api/me/channel/credentials', { token: hostAuth.accessToken });
    const ws = new WebSocketImpl(`${BASE_URL.replace(/^http/, 'ws')}/_ivs/ingest`);
    ws.binaryType = 'arraybuffer';
    const serverSaid = [];
    ws.onmessage = (e) => typeof e.data === 'string' && serverSaid.push(JSON.parse(e.data));
    await new Promise((ok, fail) => {
      ws.onopen = ok;
      ws.onerror = () => fail(new Error('ingest websocket failed'));
    });
    ws.send(JSON.stringify({ t: 'start', streamKey: creds.streamKey, mimeType: 'video/webm;codecs=vp8,opus' }));
    const encoder = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=426x240:rate=15',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440',
        '-c:v',
        'libvpx',
        '-deadline',
        'realtime',
        '-cpu-used',
        '8',
        '-b:v',
        '400k',
        '-g',
        '30',
        '-c:a',
        'libopus',
        '-f',
        'webm',
        '-cluster_time_limit',
        '500',
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    encoder.stdout.on('data', (chunk) => ws.readyState === 1 && ws.send(chunk));

    // The emulator announces Stream Start itself once the first playlist exists. If its events
    // do not reach the server's pipeline (IVS_EVENT_SINK not bound), deliver the same event the
    // way EventBridge would, so the player is still tested against the real HLS.
    let live = await waitForStatus(v, 'Live', 20_000);
    const ingestStream = serverSaid.find((m) => m.t === 'live')?.streamId;
    let eventsBridged = false;
    if (!live && ingestStream) {
      console.log('  note the emulator’s own Stream Start did not arrive within 20 s; posting it to /api/ivs/events instead');
      eventsBridged = true;
      await postStreamEvent(channel, 'Stream Start', ingestStream);
      live = await waitForStatus(v, 'Live', 10_000);
    }
    check(live, 'streaming to the channel turns V’s page LIVE', JSON.stringify(serverSaid));
    if (live) {
      // A chats at the start of the broadcast so the recording has a chat to replay.
      await a.reload();
      await a.getByTestId('chat-input').fill('first words on the recording');
      await a.getByTestId('chat-input').press('Enter');
      await a.getByTestId('chat-message').filter({ hasText: 'first words on the recording' }).waitFor();
      const playing = await v
        .waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'playing', null, {
          timeout: 40_000,
        })
        .then(() => true)
        .catch(() => false);
      check(playing, 'the player plays the live HLS');
      const t1 = await v.evaluate(() => document.querySelector('[data-testid="player-video"]').currentTime);
      await sleep(3000);
      const t2 = await v.evaluate(() => document.querySelector('[data-testid="player-video"]').currentTime);
      check(t2 > t1 + 1, 'currentTime advances', `${t1} → ${t2}`);
      await sleep(6000);
      await v.screenshot({ path: resolve(SHOTS, 'watch.png') });
    }
    ws.send(JSON.stringify({ t: 'stop' }));
    encoder.kill('SIGTERM');
    if (eventsBridged) {
      await sleep(3000);
      await postStreamEvent(channel, 'Stream End', ingestStream);
      // The emulator writes its Recording End event beside the recording: deliver that too.
      const found = spawnSync('find', [join(dataDir, 'recordings'), '-name', 'recording-ended.json'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean);
      for (const file of found) {
        // IVS's S3 metadata file, not an event: build the Recording End event EventBridge sends.
        const doc = JSON.parse(readFileSync(file, 'utf8'));
        if (doc.stream_id !== ingestStream) continue;
        const prefix = dirname(dirname(file)).slice(join(dataDir, 'recordings').length + 1);
        const res = await fetch(`${BASE_URL}/api/ivs/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'x-api-key': eventsKey },
          body: JSON.stringify({
            version: '0',
            id: randomUUID(),
            'detail-type': 'IVS Recording State Change',
            source: 'aws.ivs',
            account: channel.arn.split(':')[4],
            time: new Date().toISOString(),
            region: channel.arn.split(':')[3],
            resources: [channel.arn],
            detail: {
              recording_status: 'Recording End',
              recording_status_reason: '',
              recording_s3_bucket_name: 'streamcat-local',
              recording_s3_key_prefix: prefix,
              recording_duration_ms: doc.duration_ms ?? 0,
              channel_name: channel.name,
              stream_id: ingestStream,
              recording_session_id: doc.recording_session_id,
              recording_session_stream_ids: [ingestStream],
            },
          }),
        });
        console.log(`  note posted Recording End for ${prefix} → ${res.status} ${await res.text()}`);
      }
    }
    check(await waitForStatus(v, 'Offline', 30_000), 'stopping the stream turns V’s page offline');

    section('The broadcast is in past broadcasts and replays with its chat');
    let vodId = null;
    for (let i = 0; i < 30 && !vodId; i++) {
      const page = await rest(`/api/channels/${channel.name}/streams`);
      vodId = page.items.find((s) => s.recordingUrl && s.streamId !== fakeStream)?.id ?? null;
      if (!vodId) await sleep(1000);
    }
    check(!!vodId, 'the recording is listed with a URL');
    if (vodId) {
      await a.goto('/me/channel');
      check(
        await a
          .locator(`a[href="/vod/${vodId}"]`)
          .waitFor({ timeout: 8000 })
          .then(
            () => true,
            () => false,
          ),
        'My channel links to the recording',
      );
      await v.goto(`/vod/${vodId}`);
      const vodPlays = await v
        .waitForFunction(() => (document.querySelector('[data-testid="player-video"]')?.currentTime ?? 0) > 1, null, { timeout: 30_000 })
        .then(() => true)
        .catch(() => false);
      check(vodPlays, 'the VOD plays');
      const replayed = await v
        .getByTestId('chat-replay')
        .getByTestId('chat-message')
        .filter({ hasText: 'first words on the recording' })
        .waitFor({ timeout: 30_000 })
        .then(
          () => true,
          () => false,
        );
      if (!check(replayed, 'the chat replays as the video reaches it')) {
        const vod = await rest(`/api/vods/${vodId}`);
        console.log('  vod', JSON.stringify(vod));
        console.log('  chat', JSON.stringify(await rest(`/api/channels/${channel.name}/chat?streamId=${vod.streamId}`)));
        console.log('  all chat', JSON.stringify(await rest(`/api/channels/${channel.name}/chat`)));
      }
      await v.evaluate(() => {
        const video = document.querySelector('[data-testid="player-video"]');
        video.currentTime = 0;
      });
      await sleep(800);
      const afterSeek = await v.getByTestId('chat-replay').getByTestId('chat-message').filter({ hasText: 'first words' }).count();
      check(afterSeek === 0, 'seeking back to the start hides messages not yet said');
      await v.screenshot({ path: resolve(SHOTS, 'vod.png') });
    }
  }

  check(pageErrors.length === 0, 'no uncaught errors in the pages', pageErrors.join(' | '));
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
} catch (error) {
  check(false, `unexpected error`, error?.stack ?? String(error));
} finally {
  await browser.close();
  if (product) {
    await product.stop().catch(() => undefined);
    rmSync(ownDataDir, { recursive: true, force: true });
  }
}
if (failures.length) {
  console.log(`\n${failures.length} check(s) failed:\n- ${failures.join('\n- ')}`);
  exitCode = 1;
} else console.log('\nall viewer checks passed');
process.exit(exitCode);
