/**
 * Browser side of `bench:compositor`, bundled with rolldown by compositor.mjs. Runs the real
 * programme compositor (client/src/media/compositor.ts) as the studio does — 1280×720 at
 * 30 fps, grid layout, name tags on, its canvas shown on the page — and reads what the
 * broadcast would get: every frame of the compositor's `stream()` video track, through a
 * MediaStreamTrackProcessor standing in for the encoder. Exposes `window.bench`.
 *
 * The tiles are fed what the product delivers for that many people on air, decided by the
 * same policy the studio publishes with (client/src/media/publish-quality.ts):
 * - member 1 is the host, whose own tile is their camera (1280×720) cloned and constrained to
 *   their publish quality, exactly as useStageSession publishes it;
 * - members 2…n are remote: a picture of that quality encoded (VP8, as the local stage
 *   carries) and decoded once per member in a worker, as the host's browser receives each
 *   member from the stage. One encoder per quality stands in for the members' own browsers
 *   (their cost is not the host's, but it runs here on the same cores: a handicap).
 */
import { Compositor } from '../client/src/media/compositor';
import { publishConstraints, publishQuality } from '../client/src/media/publish-quality';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads every frame of a video track and keeps its capture timestamp (µs → ms). The buffer is
 * deep so a busy main thread delays the reads but never drops frames from the count.
 */
function probe(track) {
  const reader = new MediaStreamTrackProcessor({ track, maxBufferSize: 120 }).readable.getReader();
  const p = { frames: [], stop: false };
  void (async () => {
    while (!p.stop) {
      const { value, done } = await reader.read();
      if (done) break;
      p.frames.push(value.timestamp / 1000);
      value.close();
    }
  })();
  return p;
}

/** A 1280×720 picture as a blob: URL, so the image-background path (drawImage of an <img>) is in every frame too. */
async function makeBackground() {
  const c = new OffscreenCanvas(1280, 720);
  const g = c.getContext('2d');
  const grad = g.createLinearGradient(0, 0, 1280, 720);
  grad.addColorStop(0, '#1d2440');
  grad.addColorStop(1, '#40213a');
  g.fillStyle = grad;
  g.fillRect(0, 0, 1280, 720);
  return URL.createObjectURL(await c.convertToBlob({ type: 'image/png' }));
}

/** A brand as a host sets one: a logo with transparency and a full-frame overlay (a frame with a clear middle), as blob: URLs. */
async function makeBrand() {
  const logo = new OffscreenCanvas(400, 160);
  const l = logo.getContext('2d');
  l.fillStyle = '#ffcc00';
  l.beginPath();
  l.ellipse(80, 80, 70, 70, 0, 0, Math.PI * 2);
  l.fill();
  l.font = '700 72px sans-serif';
  l.fillText('Cat', 170, 105);
  const overlay = new OffscreenCanvas(1280, 720);
  const o = overlay.getContext('2d');
  o.fillStyle = 'rgba(20, 120, 200, 0.8)';
  o.fillRect(0, 0, 1280, 24);
  o.fillRect(0, 696, 1280, 24);
  const url = async (c) => URL.createObjectURL(await c.convertToBlob({ type: 'image/png' }));
  return { primary: '#1478c8', lowerThird: 'box', logo: await url(logo), overlay: await url(overlay) };
}

/**
 * Worker body (stringified): remote members of one quality. One encoder at the size and bitrate
 * cap they publish with; one decoder per member, each writing into that member's track, as
 * WebRTC decodes every subscribed member separately and off the page's main thread.
 */
function remoteMembersWorker() {
  self.onmessage = async ({ data }) => {
    const { readable, writables, width, height, bitrate } = data;
    const decoders = writables.map((writable) => {
      const writer = writable.getWriter();
      const decoder = new VideoDecoder({ output: (frame) => void writer.write(frame).catch(() => frame.close()), error: () => undefined });
      decoder.configure({ codec: 'vp8' });
      return decoder;
    });
    const encoder = new VideoEncoder({
      output: (chunk) => decoders.forEach((d) => d.state === 'configured' && d.decode(chunk)),
      error: () => undefined,
    });
    encoder.configure({ codec: 'vp8', width, height, bitrate, framerate: 30, latencyMode: 'realtime' });
    const reader = readable.getReader();
    for (let i = 0; ; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      // Like a WebRTC sender, skip a frame rather than queue behind a busy encoder.
      if (encoder.state === 'configured' && encoder.encodeQueueSize <= 2) encoder.encode(value, { keyFrame: i % 60 === 0 });
      value.close();
    }
  };
}
const workerUrl = URL.createObjectURL(new Blob([`(${remoteMembersWorker.toString()})()`], { type: 'text/javascript' }));

let compositor;
let programme;
let framesAtReset = 0;
let resetAt = 0;
let background;
let brand;
/** Member i's own getUserMedia (i = 0: the host's camera and microphone; others: microphone only). */
const devices = [];
const members = [];
/** What feeds the tiles now: tracks to stop and workers to end when the count changes. */
let feed = { tracks: [], workers: [] };

function layoutOf(n) {
  return { layout: 'grid', order: members.slice(0, n).map((m) => m.id), featuredId: null, screenShareId: null };
}

function spec(n) {
  return {
    ...layoutOf(n),
    nameTags: true,
    banner: { text: 'StreamCat compositor bench — live from the loopback studio', visible: true },
    background: { kind: 'image', url: background },
    brand,
    // A viewer's comment on screen, long enough to wrap to its three lines.
    comment: {
      messageId: 'bench',
      author: { username: 'benchviewer' },
      text: 'Watching from the bench: this comment is long enough to wrap onto three lines of the card and be cut with an ellipsis at the end of the last one.',
    },
    members: members.slice(0, n),
  };
}

function stopFeed() {
  feed.workers.forEach((w) => w.terminate());
  feed.tracks.forEach((t) => t.stop());
  feed = { tracks: [], workers: [] };
}

/** Remote members of one quality: their tracks, decoded from one encoding of the host's camera. */
function remoteTracks(count, q) {
  const source = devices[0].getVideoTracks()[0].clone();
  const { readable } = new MediaStreamTrackProcessor({ track: source });
  const generators = Array.from({ length: count }, () => new MediaStreamTrackGenerator({ kind: 'video' }));
  const writables = generators.map((g) => g.writable);
  const worker = new Worker(workerUrl);
  worker.postMessage({ readable, writables, width: q.width, height: q.height, bitrate: q.maxBitrateKbps * 1000 }, [readable, ...writables]);
  feed.tracks.push(source, ...generators);
  feed.workers.push(worker);
  return generators;
}

window.bench = {
  /** Creates and starts the compositor; returns what the page sees of its own rendering (a throttling check). */
  async init(withBrand = true) {
    background = await makeBackground();
    // BENCH_COMPOSITOR_BRAND=0 (passed by compositor.mjs): the same frames without the brand, for an A/B on one machine.
    brand = withBrand ? await makeBrand() : undefined;
    compositor = new Compositor();
    // On the page, scaled down by CSS, as the studio's programme preview shows it.
    compositor.canvas.style.width = '640px';
    document.body.append(compositor.canvas);
    compositor.start();
    programme = probe(compositor.stream().getVideoTracks()[0]);
    let ticks = 0;
    const t0 = performance.now();
    await new Promise((ok) => {
      const tick = () => (++ticks, performance.now() - t0 < 1000 ? requestAnimationFrame(tick) : ok());
      requestAnimationFrame(tick);
    });
    return { rafPerSecond: ticks, visibility: document.visibilityState, hidden: document.hidden, fps: compositor.fps };
  },

  /**
   * n members on air in the grid, each its own MediaStream, <video> and audio source in the
   * compositor, each picture at the size publishQuality() gives that member (see the top).
   */
  async setTiles(n) {
    while (devices.length < n) {
      const i = devices.length + 1;
      // The host's camera is asked for 1280×720 at 30 fps, as client/src/studio/useDevices.ts asks.
      const video = i === 1 ? { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } : false;
      devices.push(await navigator.mediaDevices.getUserMedia({ video, audio: true }));
      members.push({ id: `m${i}`, displayName: `Guest ${i} · studio camera ${i}`, mutedInProgramme: false });
    }
    stopFeed();
    const layout = layoutOf(n);
    const quality = members.slice(0, n).map((m) => publishQuality(layout, m.id));
    const host = devices[0].getVideoTracks()[0].clone();
    await host.applyConstraints(publishConstraints(quality[0], 'camera'));
    feed.tracks.push(host);
    const pictures = [host];
    // Remote members grouped by quality (a grid gives them all one size): one encoder per group.
    const groups = new Map();
    for (let i = 1; i < n; i++) groups.set(quality[i], [...(groups.get(quality[i]) ?? []), i]);
    for (const [q, idx] of groups) remoteTracks(idx.length, q).forEach((t, k) => (pictures[idx[k]] = t));
    members.forEach((m, i) => compositor.setSource(m.id, i < n ? new MediaStream([pictures[i], ...devices[i].getAudioTracks()]) : null));
    compositor.setProgramme(spec(n));
    // Until every tile draws video, not its placeholder (`sources` is TypeScript-private; JS can look).
    const hasPicture = (id) => (compositor.sources.get(id)?.video.readyState ?? 0) >= 2;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && !members.slice(0, n).every((m) => hasPicture(m.id))) await sleep(50);
    const size = (id) => {
      const v = compositor.sources.get(id)?.video;
      return v ? `${v.videoWidth}x${v.videoHeight}` : '?';
    };
    const cam = devices[0].getVideoTracks()[0].getSettings();
    return {
      camera: `${cam.width}x${cam.height}@${Math.round(cam.frameRate ?? 0)}`,
      sources: `host ${size('m1')}` + (n > 1 ? ` + ${n - 1} remote ${size(`m${n}`)}` : ''),
      ready: members.slice(0, n).every((m) => hasPicture(m.id)),
    };
  },

  /** Starts a measurement window. */
  reset() {
    programme.frames = [];
    framesAtReset = compositor.stats.frames;
    resetAt = performance.now();
  },

  /** Since reset(): capture timestamps of the programme's frames and the compositor's own timings. */
  collect() {
    const { stats } = compositor;
    const drawn = stats.frames - framesAtReset;
    return {
      frames: programme.frames,
      ms: performance.now() - resetAt,
      drawn,
      intervals: stats.intervals.slice(-Math.min(drawn, stats.intervals.length)),
      drawTimes: stats.drawTimes.slice(-Math.min(drawn, stats.drawTimes.length)),
    };
  },

  /**
   * The floor of this machine's loop and capture path: the studio's compositor paused, and a
   * second Compositor with nobody on air (it fills its 1280×720 canvas with a colour every
   * frame), paced, captured and read the same way.
   */
  async bare(ms) {
    compositor.stop();
    const empty = new Compositor();
    empty.canvas.style.width = '640px';
    document.body.append(empty.canvas);
    empty.setProgramme({
      layout: 'grid',
      order: [],
      featuredId: null,
      screenShareId: null,
      nameTags: true,
      banner: { text: '', visible: false },
      background: { kind: 'colour', colour: '#1d2440' },
      members: [],
    });
    empty.start();
    const p = probe(empty.stream().getVideoTracks()[0]);
    await sleep(1000);
    p.frames = [];
    await sleep(ms);
    p.stop = true;
    empty.destroy();
    empty.canvas.remove();
    compositor.start();
    return p.frames;
  },
};
