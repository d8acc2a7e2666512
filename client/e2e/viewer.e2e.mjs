#!/usr/bin/env node
// Browser check of what viewers see, against a real StreamCat server:
// V watches A's offline channel → A goes live (IVS events posted to /api/ivs/events) → V's
// page switches to LIVE without a reload → V chats → A deletes the message from their own
// watch page and it disappears for V → A bans V → V cannot chat after a reload and sees why
// → A goes offline. Then, if the local ingest and ffmpeg are there, real video: a test
// pattern streamed to A's channel plays on V's page (currentTime advancing), and after it
// ends the recording replays with its chat on the VOD page.
// Usage: node client/e2e/viewer.e2e.mjs (starts its own server: it needs the server's DATA_DIR
// to read the IVS events key), or BASE_URL=… DATA_DIR=… to use a running one. The real video
// needs ffmpeg (`npm test` installs it); without it the script fails.
// With SCREENSHOTS_DIR set, saves watch.png, home.png and vod.png there. Exits 1 listing every failed check.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  createReport,
  cspViolations,
  docScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  rest as restAt,
  startOwnProduct,
  succeeds,
  videoMoves,
  waitUntil,
} from './support.mjs';

const { check, section, finish } = createReport();

// The events key lives in the server's DATA_DIR: use the one we are told, or start our own server.
let product = null;
let BASE_URL = process.env.BASE_URL?.replace(/\/$/, '');
let dataDir = process.env.DATA_DIR;
if (!BASE_URL || !dataDir) {
  product = await startOwnProduct('viewer-e2e');
  BASE_URL = product.baseUrl;
  dataDir = product.dataDir;
}
const eventsKey = readFileSync(join(dataDir, 'secrets', 'ivs-events-api-key'), 'utf8').trim();
const rest = (path, options) => restAt(BASE_URL, path, options);

/** Delivers an IVS event for `channel` the way EventBridge's API destination does. */
async function postIvsEvent(channel, detailType, detail) {
  const res = await fetch(`${BASE_URL}/api/ivs/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': eventsKey },
    body: JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: 'aws.ivs',
      account: channel.arn.split(':')[4],
      time: new Date().toISOString(),
      region: channel.arn.split(':')[3],
      resources: [channel.arn],
      detail,
    }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const postStreamEvent = (channel, eventName, streamId) =>
  postIvsEvent(channel, 'IVS Stream State Change', { event_name: eventName, channel_name: channel.name, stream_id: streamId });

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = `pw-${Math.random().toString(36).slice(2)}-long`;
const hostName = `host_${suffix}`.slice(0, 32);
const viewerName = `view_${suffix}`.slice(0, 32);

const browser = await launchBrowser();
const signedInPage = (who, auth, colorScheme = 'dark') =>
  openPage(browser, { baseURL: BASE_URL, who, auth, colorScheme, viewport: { width: 1280, height: 820 } });

const statusOf = async (page) => ((await page.getByTestId('watch-status').textContent()) ?? '').trim();
const waitForStatus = (page, want, timeout = 10_000) =>
  succeeds(
    page.waitForFunction((w) => document.querySelector('[data-testid="watch-status"]')?.textContent?.trim() === w, want, { timeout }),
  );

try {
  section(`Accounts: host ${hostName}, viewer ${viewerName} at ${BASE_URL}`);
  const hostAuth = await rest('/api/auth/register', { method: 'POST', body: { username: hostName, password } });
  const viewerAuth = await rest('/api/auth/register', { method: 'POST', body: { username: viewerName, password } });
  const me = await rest('/api/me', { token: hostAuth.accessToken });
  const channel = { name: me.channel.name, arn: me.channel.arn };
  await rest('/api/me/channel', { method: 'PATCH', token: hostAuth.accessToken, body: { title: 'Knitting a StreamCat scarf' } });
  check(!!channel.arn, 'the host has a channel', channel.arn);

  section('V opens the offline channel');
  const v = await signedInPage('V', viewerAuth);
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
  const a = await signedInPage('A', hostAuth, 'light');
  await a.goto(`/${channel.name}`);
  await a.getByTestId('chat-message').filter({ hasText: 'hello from V' }).waitFor();
  check(await a.getByTestId('stream-health').isVisible(), 'the owner sees the stream health');
  check((await v.getByTestId('stream-health').count()) === 0, 'viewers do not see the stream health');
  const viewersSeen = await succeeds(
    v.waitForFunction(() => /^[2-9]/.test(document.querySelector('[data-testid="viewer-count"]')?.textContent?.trim() ?? ''), null, {
      timeout: 8000,
    }),
  );
  check(viewersSeen, 'the viewer count rises when A opens the page too', await v.getByTestId('viewer-count').textContent());
  const row = a.getByTestId('chat-message').filter({ hasText: 'hello from V' });
  await row.hover();
  await row.getByRole('button', { name: `Delete message from ${viewerName}` }).click();
  const gone = await succeeds(
    v.getByTestId('chat-message').filter({ hasText: 'hello from V' }).waitFor({ state: 'detached', timeout: 8000 }),
  );
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
  const pushed = await succeeds(v.getByTestId('chat-sanction').waitFor({ timeout: 8000 }));
  check(pushed, 'V’s send box closes as soon as the ban lands');
  await v.reload();
  await v.getByTestId('chat-sanction').waitFor();
  const sanction = ((await v.getByTestId('chat-sanction').textContent()) ?? '').trim();
  check(/banned/i.test(sanction) && sanction.includes('posting spam links'), 'after a reload V still cannot chat and sees why', sanction);
  check((await v.getByTestId('chat-input').count()) === 0, 'there is no send box for V');

  await docScreenshot(v, 'watch.png');

  section('Home lists the live channel');
  const h = await signedInPage('home', null);
  await h.goto('/');
  const card = h.locator(`[data-testid="live-channel"][data-channel="${channel.name}"]`);
  check(await succeeds(card.waitFor({ timeout: 8000 })), 'the live channel is on the home page');
  await docScreenshot(h, 'home.png', { fullPage: true });

  section('A goes offline (IVS Stream End)');
  const ended = await postStreamEvent(channel, 'Stream End', fakeStream);
  check(ended.status === 200, 'the server applies Stream End', JSON.stringify(ended));
  check(await waitForStatus(v, 'Offline'), 'V sees Offline without reloading', await statusOf(v));

  section('Real video through the local ingest');
  // The README's test command installs ffmpeg: without it this part cannot be skipped quietly.
  const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
  let WebSocketImpl = globalThis.WebSocket;
  if (!WebSocketImpl) WebSocketImpl = (await import('ws')).WebSocket;
  if (!check(ffmpeg, 'ffmpeg is installed, to stream real video', 'install it (apt-get install ffmpeg) or run npm test, which does')) {
    // Nothing below can run without it.
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
      const playing = await succeeds(v.locator('[data-testid="player"][data-state="playing"]').waitFor({ timeout: 40_000 }));
      check(playing, 'the player plays the live HLS');
      const advanced = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 15_000 });
      check(advanced.moving, 'currentTime advances', JSON.stringify(advanced));
      // The broadcast runs on for a few seconds of video after A's message, so the recording
      // holds it with room to spare for the replay checks.
      const more = await videoMoves(v.getByTestId('player-video'), { by: 5, timeout: 30_000 });
      check(more.moving, 'the live video keeps playing', JSON.stringify(more));
      await docScreenshot(v, 'watch.png');
    }
    ws.send(JSON.stringify({ t: 'stop' }));
    encoder.kill('SIGTERM');
    if (eventsBridged) {
      // The emulator writes IVS's recording-ended.json (S3 metadata, not an event) beside the
      // recording once it is closed: wait for it, then deliver the events EventBridge would.
      const endedFiles = () =>
        spawnSync('find', [join(dataDir, 'recordings'), '-name', 'recording-ended.json'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .filter(Boolean)
          .map((file) => ({ file, doc: JSON.parse(readFileSync(file, 'utf8')) }))
          .filter(({ doc }) => doc.stream_id === ingestStream);
      const found = await waitUntil(endedFiles, (files) => files.length > 0, { timeout: 30_000, interval: 500 });
      await postStreamEvent(channel, 'Stream End', ingestStream);
      for (const { file, doc } of found ?? []) {
        const prefix = dirname(dirname(file)).slice(join(dataDir, 'recordings').length + 1);
        const res = await postIvsEvent(channel, 'IVS Recording State Change', {
          recording_status: 'Recording End',
          recording_status_reason: '',
          recording_s3_bucket_name: 'streamcat-local',
          recording_s3_key_prefix: prefix,
          recording_duration_ms: doc.duration_ms ?? 0,
          channel_name: channel.name,
          stream_id: ingestStream,
          recording_session_id: doc.recording_session_id,
          recording_session_stream_ids: [ingestStream],
        });
        console.log(`  note posted Recording End for ${prefix} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    check(await waitForStatus(v, 'Offline', 30_000), 'stopping the stream turns V’s page offline');

    section('The broadcast is in past broadcasts and replays with its chat');
    const vodId = await waitUntil(
      async () => (await rest(`/api/channels/${channel.name}/streams`)).items.find((s) => s.recordingUrl && s.streamId !== fakeStream)?.id,
      (id) => !!id,
      { timeout: 30_000, interval: 1000 },
    );
    check(!!vodId, 'the recording is listed with a URL');
    if (vodId) {
      await a.goto('/me/channel');
      check(await succeeds(a.locator(`a[href="/vod/${vodId}"]`).waitFor({ timeout: 8000 })), 'My channel links to the recording');
      await v.goto(`/vod/${vodId}`);
      const vodPlays = await succeeds(
        v.waitForFunction(() => (document.querySelector('[data-testid="player-video"]')?.currentTime ?? 0) > 1, null, { timeout: 30_000 }),
      );
      check(vodPlays, 'the VOD plays');
      const replayLine = v.getByTestId('chat-replay').getByTestId('chat-message').filter({ hasText: 'first words on the recording' });
      const replayed = await succeeds(replayLine.waitFor({ timeout: 30_000 }));
      const vod = await rest(`/api/vods/${vodId}`);
      const said = (await rest(`/api/channels/${channel.name}/chat?streamId=${vod.streamId}`)).items.find((m) =>
        m.text.startsWith('first words'),
      );
      if (!check(replayed, 'the chat replays as the video reaches it')) {
        console.log('  vod', JSON.stringify(vod));
        console.log('  said', JSON.stringify(said));
        console.log('  all chat', JSON.stringify(await rest(`/api/channels/${channel.name}/chat`)));
      }
      // The message's place on the recording's clock, as the replay computes it.
      const saidAt = said ? (Date.parse(said.sentAt) - Date.parse(vod.startedAt)) / 1000 : NaN;
      // Paused, so the video cannot play on past the message while the page catches up.
      const seek = await v.evaluate(async () => {
        const video = document.querySelector('[data-testid="player-video"]');
        video.pause();
        const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
        video.currentTime = 0;
        await seeked;
        return { time: video.currentTime, paused: video.paused };
      });
      check(
        seek.paused && seek.time < saidAt,
        'the video is paused before the moment the message was said',
        JSON.stringify({ ...seek, saidAt }),
      );
      const hidden = await succeeds(replayLine.waitFor({ state: 'detached', timeout: 5000 }));
      check(hidden, 'seeking back to the start hides messages not yet said', `video at ${seek.time} s, message said at ${saidAt} s`);
      await docScreenshot(v, 'vod.png');
    }
  }

  check(pageErrors.length === 0, 'no uncaught errors in the pages', pageErrors.join(' | '));
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
} catch (error) {
  check(false, `unexpected error`, error?.stack ?? String(error));
} finally {
  await browser.close();
  await product?.stop();
}
finish('viewer');
