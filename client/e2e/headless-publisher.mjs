// A studio member without a browser: a werift peer in Node that joins the local stage with the
// member's participant token and publishes a real, moving test pattern (VP8) and a quiet tone
// (Opus), encoded by Debian's ffmpeg and sent to us as RTP on loopback. It stands in for a
// person at a webcam where a browser each would not fit on two cores.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { WebSocket } from 'ws';

/** The codecs the local SFU forwards (it never transcodes): VP8 video, Opus audio. */
const codecs = () => ({
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
  video: [
    new RTCRtpCodecParameters({
      mimeType: 'video/VP8',
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    }),
  ],
});

/** The stage websocket named in the participant token (a JWT whose claims carry `events_url`). */
function eventsUrlOf(token) {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (!claims.events_url) throw new Error('participant token has no events_url');
  return claims.events_url;
}

/** A UDP socket on a free loopback port whose RTP packets go to `onRtp` (RTCP from ffmpeg is dropped). */
async function rtpInlet(onRtp) {
  const socket = createSocket('udp4');
  socket.on('message', (packet) => {
    // RTCP packet types are 200–206 in the second byte; an RTP byte there is marker|payload type (96/111 here).
    if (packet.length < 12 || (packet[1] >= 200 && packet[1] <= 206)) return;
    onRtp(packet);
  });
  await new Promise((resolve, reject) => socket.once('error', reject).bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port };
}

/**
 * ffmpeg's test pattern, tinted by `hue` so each publisher's picture is its own, and a sine
 * tone, encoded in real time (VP8 with a keyframe every second, since ffmpeg cannot answer
 * the SFU's keyframe requests; Opus in 60 ms packets, a third of the usual packet rate for
 * every hop to carry) and sent as RTP to `videoPort` / `audioPort`. The sources end after
 * `seconds`, so an encoder outliving a killed test stops by itself.
 */
function encoder({ videoPort, audioPort, hue, tone, width, height, fps, seconds }) {
  const rtp = (port) => `rtp://127.0.0.1:${port}?pkt_size=1200&rtcpport=${port}`;
  const args = [
    ['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ['-re', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds},hue=h=${hue}`],
    audioPort ? ['-re', '-f', 'lavfi', '-i', `sine=frequency=${tone}:sample_rate=48000:duration=${seconds}`] : [],
    ['-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k'],
    ['-g', String(fps), '-auto-alt-ref', '0', '-lag-in-frames', '0', '-threads', '1'],
    ['-payload_type', '96', '-f', 'rtp', rtp(videoPort)],
    audioPort
      ? [
          '-map',
          '1:a',
          '-c:a',
          'libopus',
          '-b:a',
          '16k',
          '-ac',
          '2',
          '-frame_duration',
          '60',
          '-payload_type',
          '111',
          '-f',
          'rtp',
          rtp(audioPort),
        ]
      : [],
  ].flat();
  return spawn(process.env.FFMPEG_PATH ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * One participant publishing on one stage: joins with `token`, offers audio and video, and
 * resolves once the SFU confirmed the publication (`published`) and the peer is connected;
 * rejects with the SFU's error (e.g. STAGE_AT_CAPACITY) otherwise. It keeps the stage's
 * roster from the SFU's own participant events.
 */
async function stageLeg(token, { audio, timeout, label }) {
  const ws = new WebSocket(eventsUrlOf(token));
  const participants = new Map();
  let self = null;
  const pc = new RTCPeerConnection({ codecs: codecs(), iceUseIpv6: false, iceServers: [], bundlePolicy: 'max-bundle' });
  const video = new MediaStreamTrack({ kind: 'video' });
  const sound = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(sound, { direction: 'sendonly' });
  pc.addTransceiver(video, { direction: 'sendonly' });
  const close = async () => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: 'leave' }));
    ws.close();
    await pc.close().catch(() => undefined);
  };

  const heard = [];
  const published = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${label}: not published within ${timeout} ms (heard ${heard.join(',') || 'nothing'}; peer ${pc.connectionState})`),
        ),
      timeout,
    );
    const fail = (error) => (clearTimeout(timer), reject(error));
    ws.on('message', async (data) => {
      const m = JSON.parse(data.toString());
      heard.push(m.t);
      try {
        if (m.t === 'joined') {
          self = m.self;
          for (const p of m.participants) participants.set(p.id, p);
          await pc.setLocalDescription(await pc.createOffer());
          ws.send(JSON.stringify({ t: 'publish', sdp: pc.localDescription.sdp, audioMuted: !audio, videoStopped: false }));
        } else if (m.t === 'participant-joined' || m.t === 'participant-updated') participants.set(m.participant.id, m.participant);
        else if (m.t === 'participant-left') participants.delete(m.participantId);
        else if (m.t === 'publish-answer') await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        else if (m.t === 'published') {
          clearTimeout(timer);
          resolve();
        } else if (m.t === 'error' && (m.fatal || m.category !== 'SUBSCRIBE_ERROR'))
          fail(Object.assign(new Error(`${label}: ${m.code} ${m.message}`), { refused: true }));
      } catch (e) {
        fail(e);
      }
    });
    ws.once('close', (code) => fail(new Error(`${label}: stage socket closed (${code}) before publishing`)));
    ws.once('error', fail);
    ws.once('open', () => ws.send(JSON.stringify({ t: 'join', token })));
    // A connection that failed will not come back by itself: say so now, not at the timeout.
    pc.connectionStateChange.subscribe(
      (s) => s === 'failed' && fail(new Error(`${label}: peer connection failed (heard ${heard.join(',')})`)),
    );
  });

  try {
    await published;
    // Packets written before DTLS is up are dropped by werift: the caller feeds it once connected.
    if (pc.connectionState !== 'connected')
      await new Promise((resolve) => {
        const { unSubscribe } = pc.connectionStateChange.subscribe((s) => s === 'connected' && (unSubscribe(), resolve()));
      });
  } catch (e) {
    await close();
    throw e;
  }
  return {
    video,
    sound,
    participantId: () => self?.id,
    others: () => [...participants.values()],
    connected: () => ws.readyState === WebSocket.OPEN && pc.connectionState === 'connected',
    close,
  };
}

/**
 * stageLeg, tried again once when the connection itself failed (as a member's page publishes
 * again after a broken connection); a refusal by the stage (capacity, capability) is final.
 */
async function stageLegWithRetry(token, options) {
  try {
    return await stageLeg(token, options);
  } catch (e) {
    if (e.refused) throw e;
    console.log(`  ${options.label}: ${e.message}; trying once more`);
    return stageLeg(token, options);
  }
}

/**
 * A member publishing a test pattern: joins the stage of `token` and publishes (rejecting
 * with the SFU's error when it refuses), then encodes. `alsoPublish(showToken)` sends the
 * same pictures to a second stage (the show stage), as a member's page does while on air.
 */
export async function startHeadlessPublisher(
  token,
  { hue = 0, tone = 440, width = 320, height = 180, fps = 10, audio = true, timeout = 20_000, label = 'publisher', seconds = 600 } = {},
) {
  const legs = [await stageLegWithRetry(token, { audio, timeout, label })];
  const inlets = [];
  const sent = { video: 0, audio: 0 };
  let ffmpeg = null;
  let ffmpegErrors = '';
  const stop = async () => {
    ffmpeg?.kill('SIGTERM');
    for (const inlet of inlets.splice(0)) inlet.socket.close();
    await Promise.all(legs.splice(0).map((l) => l.close()));
  };

  try {
    const v = await rtpInlet((p) => (sent.video++, legs.forEach((l) => l.video.writeRtp(p))));
    inlets.push(v);
    const a = audio ? await rtpInlet((p) => (sent.audio++, legs.forEach((l) => l.sound.writeRtp(p)))) : null;
    if (a) inlets.push(a);
    ffmpeg = encoder({ videoPort: v.port, audioPort: a?.port, hue, tone, width, height, fps, seconds });
    ffmpeg.stderr.on('data', (d) => (ffmpegErrors = (ffmpegErrors + d).slice(-2000)));
  } catch (e) {
    await stop();
    throw e;
  }

  const [main] = legs;
  return {
    participantId: main.participantId(),
    /** The other participants this one sees on its first stage, as the SFU last described them. */
    others: () => main.others(),
    /** Publishers on the first stage as the SFU tells this participant: the others publishing, and itself. */
    publishersSeen: () => main.others().filter((p) => p.isPublishing).length + 1,
    /** Publishes the same pictures and sound on another stage too (a show-stage token). */
    async alsoPublish(otherToken, { timeout: legTimeout = timeout } = {}) {
      legs.push(await stageLegWithRetry(otherToken, { audio, timeout: legTimeout, label: `${label} (second stage)` }));
    },
    /** Whether every stage still has us and the encoder still runs. */
    healthy: () => legs.length > 0 && legs.every((l) => l.connected()) && ffmpeg?.exitCode === null,
    stats: () => ({ ...sent, ffmpegErrors }),
    stop,
  };
}

/**
 * A participant that only listens (a viewer's SUBSCRIBE-only token): joins the stage of
 * `token` and keeps its roster from the SFU's participant events, without taking any media.
 */
export async function stageRoster(token, { timeout = 15_000 } = {}) {
  const ws = new WebSocket(eventsUrlOf(token));
  const participants = new Map();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not joined within ${timeout} ms`)), timeout);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.t === 'joined') {
        for (const p of m.participants) participants.set(p.id, p);
        clearTimeout(timer);
        resolve();
      } else if (m.t === 'participant-joined' || m.t === 'participant-updated') participants.set(m.participant.id, m.participant);
      else if (m.t === 'participant-left') participants.delete(m.participantId);
      else if (m.t === 'error' && m.fatal) reject(new Error(`join refused: ${m.code} ${m.message}`));
    });
    ws.once('close', (code) => reject(new Error(`stage socket closed (${code}) before joining`)));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ t: 'join', token })));
  });
  return {
    /** The participants publishing on the stage now, as the SFU describes them. */
    publishers: () => [...participants.values()].filter((p) => p.isPublishing),
    close: () => ws.close(),
  };
}
