/**
 * Browser side of `bench:compositor`, bundled with rolldown by compositor.mjs. Runs the real
 * programme compositor (client/src/media/compositor.ts) as the studio does — 1280×720 at
 * 30 fps, grid layout, name tags on, its canvas shown on the page — fed by fake-camera streams,
 * and reads what the broadcast would get: every frame of the compositor's `stream()` video
 * track, through a MediaStreamTrackProcessor standing in for the encoder. Exposes `window.bench`.
 */
import { Compositor } from '../client/src/media/compositor';

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

let compositor;
let programme;
let framesAtReset = 0;
let resetAt = 0;
let background;
const cameras = [];
const members = [];

function spec(n) {
  return {
    layout: 'grid',
    order: members.slice(0, n).map((m) => m.id),
    featuredId: null,
    screenShareId: null,
    nameTags: true,
    banner: { text: 'StreamCat compositor bench — live from the loopback studio', visible: true },
    background: { kind: 'image', url: background },
    members: members.slice(0, n),
  };
}

window.bench = {
  /** Creates and starts the compositor; returns what the page sees of its own rendering (a throttling check). */
  async init() {
    background = await makeBackground();
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
   * n members in the studio, all on air in the grid. Each member has its own getUserMedia call
   * (camera + microphone, 1280×720 asked, as client/src/studio/useDevices.ts asks); Chromium
   * serves them all from its one fake device, so the pictures are alike, but every member is
   * its own MediaStream, <video> and audio source in the compositor, as remote members are.
   */
  async setTiles(n) {
    while (cameras.length < n) {
      const i = cameras.length + 1;
      cameras.push(await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true }));
      members.push({ id: `m${i}`, displayName: `Guest ${i} · studio camera ${i}`, mutedInProgramme: false });
    }
    members.forEach((m, i) => compositor.setSource(m.id, i < n ? cameras[i] : null));
    compositor.setProgramme(spec(n));
    // Until every tile draws video, not its placeholder (`sources` is TypeScript-private; JS can look).
    const hasPicture = (id) => (compositor.sources.get(id)?.video.readyState ?? 0) >= 2;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && !members.slice(0, n).every((m) => hasPicture(m.id))) await sleep(50);
    const s = cameras[0].getVideoTracks()[0].getSettings();
    return { camera: `${s.width}x${s.height}@${Math.round(s.frameRate ?? 0)}`, ready: members.slice(0, n).every((m) => hasPicture(m.id)) };
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
   * The floor of this machine's capture path: the compositor paused, a bare 1280×720 canvas
   * filled once per animation frame, captured at the same 30 fps and read the same way.
   */
  async bare(ms) {
    compositor.stop();
    const c = document.createElement('canvas');
    c.width = 1280;
    c.height = 720;
    c.style.width = '640px';
    document.body.append(c);
    const g = c.getContext('2d', { alpha: false });
    let on = true;
    let i = 0;
    const draw = () => {
      if (!on) return;
      g.fillStyle = `hsl(${(i++ * 7) % 360} 50% 40%)`;
      g.fillRect(0, 0, 1280, 720);
      requestAnimationFrame(draw);
    };
    draw();
    const track = c.captureStream(compositor.fps).getVideoTracks()[0];
    const p = probe(track);
    await sleep(1000);
    p.frames = [];
    await sleep(ms);
    on = false;
    p.stop = true;
    track.stop();
    c.remove();
    compositor.start();
    return p.frames;
  },
};
