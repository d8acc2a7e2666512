/**
 * Browser side of the media tests: a page script exposing `window.harness`, bundled with
 * rolldown by build-harness.mjs. It uses the real client code (client/src/media). Plain JS so the
 * server-side type check (no DOM lib) does not pull in browser code; the client code is checked by vue-tsc.
 */
import Hls from 'hls.js';
import { LocalStage } from '../../../../client/src/media/local-stage';
import { LocalIngestSink } from '../../../../client/src/media/local-ingest-sink';
import { LocalStageStream, SubscribeType } from '../../../../client/src/media/stage-adapter';

// Every peer connection the page makes, so stats can be read without test hooks in LocalStage.
const peers = [];
const NativePeer = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeer {
  constructor(config) {
    super(config);
    peers.push(this);
  }
};

/** Everything the stage emitted, in order, flattened for the test to read. */
const log = [];
/** Remote participants' received streams, by participant id. */
const received = new Map();
let stage;
let sink;
let publishing = true;
let localStreams = [];

async function camera(width = 320, height = 240) {
  return navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 15 }, audio: true });
}

const harness = {
  async join(token, opts) {
    publishing = opts.publish;
    localStreams = opts.publish ? (await camera()).getTracks().map((t) => new LocalStageStream(t)) : [];
    const strategy = {
      stageStreamsToPublish: () => (publishing ? localStreams : []),
      shouldPublishParticipant: () => publishing,
      shouldSubscribeToParticipant: () => SubscribeType.AUDIO_VIDEO,
    };
    stage = new LocalStage(token, strategy);
    const s = stage;
    const note = (event, p, extra = {}) => log.push({ event, participantId: p?.id, at: performance.now(), ...extra });
    s.on('stageConnectionStateChanged', (state) => log.push({ event: 'connection', state, at: performance.now() }));
    s.on('stageParticipantJoined', (p) => note('joined', p));
    s.on('stageParticipantLeft', (p) => {
      note('left', p);
      received.delete(p.id);
    });
    s.on('stageParticipantPublishStateChanged', (p, state) => note('publish', p, { state }));
    s.on('stageParticipantSubscribeStateChanged', (p, state) => note('subscribe', p, { state }));
    s.on('stageParticipantStreamsAdded', (p, streams) => {
      note('streams-added', p);
      if (p.isLocal) return;
      received.set(p.id, { participantId: p.id, userId: p.userId, streams });
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      video.dataset.participant = p.id;
      video.srcObject = new MediaStream(streams.map((x) => x.mediaStreamTrack));
      document.body.append(video);
    });
    s.on('stageParticipantStreamsRemoved', (p) => {
      note('streams-removed', p);
      received.delete(p.id);
      document.querySelector(`video[data-participant="${p.id}"]`)?.remove();
    });
    s.on('stageStreamMuteChanged', (p, stream) => note('mute', p, { state: `${stream.streamType}:${stream.isMuted}` }));
    s.on('error', (e) => note('error', undefined, { code: e.code, state: e.category }));
    s.on('stageLeft', (reason) => log.push({ event: 'stage-left', reason, at: performance.now() }));
    try {
      await s.join();
      return { ok: true };
    } catch (e) {
      return { ok: false, code: e.code };
    }
  },

  /** Per remote participant: video frames decoded and audio samples received so far. */
  async media() {
    const byTrack = new Map();
    for (const pc of peers) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.trackIdentifier) byTrack.set(r.trackIdentifier, r);
      });
    }
    const out = {};
    for (const r of received.values()) {
      const video = r.streams.find((s) => s.streamType === 'video');
      const audio = r.streams.find((s) => s.streamType === 'audio');
      out[r.participantId] = {
        userId: r.userId,
        framesDecoded: (video && byTrack.get(video.mediaStreamTrack.id)?.framesDecoded) || 0,
        audioSamples: (audio && byTrack.get(audio.mediaStreamTrack.id)?.totalSamplesReceived) || 0,
      };
    }
    return out;
  },

  events: () => log,
  connectionState: () => stage?.connectionState,
  leave: () => stage?.leave(),
  setPublishing(on) {
    publishing = on;
    stage?.refreshStrategy();
  },

  /** Sends a 320x240 canvas + tone as the programme to the channel ingest. */
  async goLive(ingestUrl, streamKey) {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d');
    let n = 0;
    const draw = () => {
      n += 1;
      ctx.fillStyle = `hsl(${(n * 7) % 360} 70% 50%)`;
      ctx.fillRect(0, 0, 320, 240);
      ctx.fillStyle = '#fff';
      ctx.font = '40px sans-serif';
      ctx.fillText(String(n), 20, 120);
      window.lastFrameDrawnAt = performance.now();
    };
    setInterval(draw, 1000 / 15);
    const audioCtx = new AudioContext();
    const osc = audioCtx.createOscillator();
    const dest = audioCtx.createMediaStreamDestination();
    osc.connect(dest);
    osc.start();
    const programme = new MediaStream([...canvas.captureStream(15).getVideoTracks(), ...dest.stream.getAudioTracks()]);
    sink = new LocalIngestSink({ ingestUrl, videoBitsPerSecond: 400_000 });
    try {
      await sink.start(programme, streamKey);
      return { ok: true };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  },
  stopLive: () => sink?.stop(),
  sinkState: () => sink?.state,

  /** Plays an HLS URL with hls.js; returns nothing, poll `playback()`. */
  play(url) {
    const video = document.createElement('video');
    video.id = 'player';
    video.muted = true;
    document.body.append(video);
    const hls = new Hls({ lowLatencyMode: false });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
    window.hlsErrors = [];
    hls.on(Hls.Events.ERROR, (_e, data) => window.hlsErrors.push(`${data.type}:${data.details}`));
  },
  playback() {
    const v = document.getElementById('player');
    return v ? { currentTime: v.currentTime, duration: v.duration, readyState: v.readyState } : null;
  },
};

window.harness = harness;
