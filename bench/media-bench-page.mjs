/**
 * Browser side of `bench:join` and `bench:glass`, bundled with rolldown by media-bench.mjs.
 * Uses the real client code: LocalStage (studio/real-time page), LocalIngestSink (go live)
 * and the watch page's hls.js engine. Exposes `window.bench`. All times are Date.now() (one
 * clock for every page of the browser and for the bench process).
 */
import { LocalStage } from '../client/src/media/local-stage';
import { LocalIngestSink } from '../client/src/media/local-ingest-sink';
import { LocalStageStream, SubscribeType } from '../client/src/media/stage-adapter';
import Hls from 'hls.js';
import { createHlsEngine } from '../client/src/player/hls-engine';

const W = 320;
const H = 180;
/** The frame counter is drawn as 16 black/white squares of 20 px (survives H.264/VP8 at low bitrate). */
const BITS = 16;
const CELL = 20;
const ROW_Y = 80;

let stage;
let sink;
/** Counter → Date.now() when drawn (source page). */
const drawn = new Map();
/** Counter → Date.now() when first shown (receiving page). */
const shown = new Map();
/** Participant id → Date.now() of its first rendered video frame (studio page). */
const firstFrames = new Map();
let programmeStream;

/**
 * Where a join's time goes (bench:join's breakdown): the first time, since the last
 * clearMarks(), each step was reached in this page. Peer connections are labelled `pub` (they
 * send) or `sub` (they only receive); stage events come from LocalStage's own emitter.
 */
let marks = new Map();
const mark = (name) => {
  if (!marks.has(name)) marks.set(name, Date.now());
};
const NativePeerConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeerConnection {
  constructor(config) {
    super(config);
    const label = () => (this.getTransceivers().some((t) => t.direction === 'sendonly') ? 'pub' : 'sub');
    this.addEventListener('icecandidate', (e) => e.candidate && mark(`${label()}: first candidate`));
    this.addEventListener('icegatheringstatechange', () => this.iceGatheringState === 'complete' && mark(`${label()}: ICE gathered`));
    this.addEventListener('iceconnectionstatechange', () => this.iceConnectionState === 'connected' && mark(`${label()}: ICE connected`));
    this.addEventListener('connectionstatechange', () => this.connectionState === 'connected' && mark(`${label()}: DTLS connected`));
  }
  async setLocalDescription(d) {
    mark(`${this.getTransceivers().some((t) => t.direction === 'sendonly') ? 'pub' : 'sub'}: offer created`);
    return super.setLocalDescription(d);
  }
  async setRemoteDescription(d) {
    const r = await super.setRemoteDescription(d);
    mark(`${this.getTransceivers().some((t) => t.direction === 'sendonly') ? 'pub' : 'sub'}: answer applied`);
    return r;
  }
};

function programme(fps) {
  if (programmeStream) return programmeStream;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    n = (n + 1) % (1 << BITS);
    ctx.fillStyle = `hsl(${(n * 5) % 360} 60% 45%)`;
    ctx.fillRect(0, 0, W, H);
    for (let b = 0; b < BITS; b++) {
      ctx.fillStyle = (n >> b) & 1 ? '#fff' : '#000';
      ctx.fillRect(b * CELL, ROW_Y, CELL, CELL);
    }
    drawn.set(n, Date.now());
  }, 1000 / fps);
  const audio = new AudioContext();
  const osc = audio.createOscillator();
  const dest = audio.createMediaStreamDestination();
  osc.connect(dest);
  osc.start();
  programmeStream = new MediaStream([...canvas.captureStream(fps).getVideoTracks(), ...dest.stream.getAudioTracks()]);
  return programmeStream;
}

/** Reads the counter off every frame the video presents. */
function decodeFrames(video) {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = () => {
    const at = Date.now();
    if (video.videoWidth) {
      ctx.drawImage(video, 0, 0, W, H);
      const row = ctx.getImageData(0, ROW_Y, BITS * CELL, CELL).data;
      let n = 0;
      for (let b = 0; b < BITS; b++) {
        const i = (Math.floor(CELL / 2) * BITS * CELL + b * CELL + Math.floor(CELL / 2)) * 4;
        if ((row[i] + row[i + 1] + row[i + 2]) / 3 > 128) n |= 1 << b;
      }
      if (!shown.has(n)) shown.set(n, at);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

function attach(streams, id, decode) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.dataset.participant = id;
  video.srcObject = new MediaStream(streams.map((s) => s.mediaStreamTrack));
  document.body.append(video);
  video.requestVideoFrameCallback(() => {
    mark('first frame');
    if (!firstFrames.has(id)) firstFrames.set(id, Date.now());
  });
  if (decode) decodeFrames(video);
}

window.bench = {
  /** Joins a stage; `source`: 'camera' (fake device), 'programme' (the counter canvas) or 'none'. */
  async join(token, { source = 'camera', decode = false } = {}) {
    let local = [];
    if (source === 'camera') {
      const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240, frameRate: 15 }, audio: true });
      mark('camera open');
      local = cam.getTracks().map((t) => new LocalStageStream(t));
    } else if (source === 'programme') {
      local = programme(15)
        .getTracks()
        .map((t) => new LocalStageStream(t));
    }
    const publish = source !== 'none';
    stage = new LocalStage(token, {
      stageStreamsToPublish: () => local,
      shouldPublishParticipant: () => publish,
      shouldSubscribeToParticipant: () => SubscribeType.AUDIO_VIDEO,
    });
    stage.on('stageConnectionStateChanged', (state) => state === 'connected' && mark('joined'));
    stage.on('stageParticipantPublishStateChanged', (p, state) => {
      if (state === 'published') mark(p.isLocal ? 'published (own)' : 'remote published');
    });
    stage.on('stageParticipantStreamsAdded', (p, streams) => {
      if (!p.isLocal && streams.some((s) => s.streamType === 'video')) {
        mark('remote streams added');
        attach(streams, p.id, decode);
      }
    });
    stage.on('stageParticipantStreamsRemoved', (p) => document.querySelector(`video[data-participant="${p.id}"]`)?.remove());
    await stage.join();
    return true;
  },
  leave: () => stage?.leave(),
  /** Steps reached since the last clearMarks(): name → Date.now(). */
  marks: () => Object.fromEntries(marks),
  clearMarks: () => void (marks = new Map()),
  /** First rendered frame time of participants seen since the page opened. */
  firstFrames: () => Object.fromEntries(firstFrames),

  async goLive(ingestUrl, streamKey) {
    sink = new LocalIngestSink({ ingestUrl, videoBitsPerSecond: 500_000 });
    await sink.start(programme(15), streamKey);
    return sink.state;
  },
  stopLive: () => sink?.stop(),

  /** The watch page's HLS path: the same engine the StreamPlayer uses. */
  watchHls(url) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    document.body.append(video);
    const engine = createHlsEngine(video, { onPlaying() {}, onWaiting() {}, onError() {}, onEnded() {} });
    engine.load(url);
    decodeFrames(video);
  },

  /** Diagnostic only: plain hls.js with a given config, to show what a player setting would change. */
  watchHlsWith(url, config) {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const hls = new Hls(config);
    hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
    hls.loadSource(url);
    hls.attachMedia(video);
    decodeFrames(video);
  },

  drawn: () => Object.fromEntries(drawn),
  shown: () => Object.fromEntries(shown),
  clearShown: () => shown.clear(),
};
