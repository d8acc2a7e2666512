import { DEFAULT_CANVAS, type Canvas } from '@streamcat/layouts';
import { coverCrop, FRAME_SLACK_MS, nextFrameDue, planProgramme, type ProgrammePlan, type ProgrammeSpec } from './compositor.plan';

export interface CompositorOptions {
  canvas?: Canvas;
  fps?: number;
  /** Supplied by the page so one context serves the meters and the mix (browsers cap contexts). */
  audioContext?: AudioContext;
}

interface Source {
  stream: MediaStream;
  /** Tracks at attach time: the same MediaStream object can gain a track later (audio after video). */
  trackIds: string[];
  video: HTMLVideoElement;
  audio: { node: MediaStreamAudioSourceNode; gain: GainNode } | null;
}

/** Timing of drawn frames, for the studio's health line and the bench. */
export interface CompositorStats {
  frames: number;
  /** Milliseconds between the last frames drawn (at most 600 kept). */
  intervals: number[];
  /** Milliseconds spent drawing each of the last frames. */
  drawTimes: number[];
}

const STATS_KEPT = 600;
const PLACEHOLDER = '#24252e';
const TAG_BG = 'rgba(12, 13, 18, 0.72)';
const BANNER_BG = 'rgba(240, 86, 31, 0.92)';

/**
 * The programme: one canvas (1280×720 at 30 fps by default) painted from the server's
 * layout, and one WebAudio mix of everyone on air who is not muted in programme. Sources
 * are kept by member id, so a member leaving takes exactly their own picture and sound.
 * The mix goes only to `stream()` (the broadcast) — never to the speakers, so the local
 * participant never hears themselves.
 */
export class Compositor {
  readonly canvas: HTMLCanvasElement;
  private frameRate: number;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly audioContext: AudioContext;
  private readonly ownsAudioContext: boolean;
  private readonly mix: MediaStreamAudioDestinationNode;
  private readonly sources = new Map<string, Source>();
  private spec: ProgrammeSpec | null = null;
  private plan: ProgrammePlan = { draw: [], audible: new Set(), banner: null };
  private background: HTMLImageElement | null = null;
  private backgroundUrl: string | null = null;
  private running = false;
  private rafId = 0;
  private timerId: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private output: MediaStream | null = null;
  readonly stats: CompositorStats = { frames: 0, intervals: [], drawTimes: [] };

  constructor(options: CompositorOptions = {}) {
    const size = options.canvas ?? DEFAULT_CANVAS;
    this.frameRate = options.fps ?? 30;
    this.canvas = document.createElement('canvas');
    this.canvas.width = size.width;
    this.canvas.height = size.height;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a canvas.');
    this.ctx = ctx;
    this.ownsAudioContext = !options.audioContext;
    this.audioContext = options.audioContext ?? new AudioContext();
    this.mix = this.audioContext.createMediaStreamDestination();
  }

  /** Attach (or replace, or with null detach) one member's media. */
  setSource(memberId: string, stream: MediaStream | null): void {
    const current = this.sources.get(memberId);
    if (current && stream && current.stream === stream && sameTracks(current, stream)) return;
    if (current) this.dropSource(memberId, current);
    if (!stream) return;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    // Chromium delivers remote WebRTC audio to WebAudio only while the stream is attached to a media element.
    video.srcObject = stream;
    void video.play().catch(() => undefined);
    let audio: Source['audio'] = null;
    if (stream.getAudioTracks().length > 0) {
      const node = this.audioContext.createMediaStreamSource(stream);
      const gain = this.audioContext.createGain();
      gain.gain.value = this.plan.audible.has(memberId) ? 1 : 0;
      node.connect(gain).connect(this.mix);
      audio = { node, gain };
    }
    this.sources.set(memberId, { stream, trackIds: stream.getTracks().map((t) => t.id), video, audio });
  }

  /** Members currently attached (for tests and the studio's diagnostics). */
  sourceIds(): string[] {
    return [...this.sources.keys()];
  }

  setProgramme(spec: ProgrammeSpec): void {
    this.spec = spec;
    this.plan = planProgramme(spec, this.canvas);
    for (const [id, source] of this.sources) {
      if (!source.audio) continue;
      // A short ramp: a hard cut from 1 to 0 clicks.
      source.audio.gain.gain.setTargetAtTime(this.plan.audible.has(id) ? 1 : 0, this.audioContext.currentTime, 0.015);
    }
    const url = spec.background.kind === 'image' ? spec.background.url : null;
    if (url !== this.backgroundUrl) {
      this.backgroundUrl = url;
      this.background = null;
      if (url) {
        const img = new Image();
        // Without CORS the canvas would be tainted and could not be captured for the broadcast.
        img.crossOrigin = 'anonymous';
        img.onload = () => this.backgroundUrl === url && (this.background = img);
        img.src = url;
      }
    }
  }

  /** Frames drawn per second now. */
  get fps(): number {
    return this.frameRate;
  }

  /**
   * Draws at another rate from the next frame on. Painting the canvas is the page's heaviest
   * work (each frame copies every visible video), so a page that only previews the programme
   * draws fewer frames than the one sending it.
   */
  setFrameRate(fps: number): void {
    if (fps === this.frameRate) return;
    this.frameRate = fps;
    if (this.running) this.startTimer();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.audioContext.resume().catch(() => undefined);
    let due = 0;
    const tick = (now: number) => {
      if (!this.running) return;
      this.rafId = requestAnimationFrame(tick);
      if (now < due - FRAME_SLACK_MS) return;
      this.drawFrame(now);
      due = nextFrameDue(due, now, 1000 / this.frameRate);
    };
    this.rafId = requestAnimationFrame(tick);
    this.startTimer();
  }

  stop(): void {
    this.running = false;
    cancelAnimationFrame(this.rafId);
    clearInterval(this.timerId);
  }

  /** Animation frames stop in a hidden tab; a timer keeps the broadcast moving (browsers slow it, never stop it). */
  private startTimer(): void {
    clearInterval(this.timerId);
    const interval = 1000 / this.frameRate;
    this.timerId = setInterval(() => {
      const now = performance.now();
      if (now - this.lastFrameAt > interval * 3) this.drawFrame(now);
    }, interval);
  }

  /** The programme as one MediaStream: every frame the loop draws (`fps` a second) plus the mixed audio. */
  stream(): MediaStream {
    if (!this.output) {
      // No rate argument: with one, Chromium passes a drawn frame on only if its own 1/fps timer
      // ticked since the last, so draws a little early against that timer were dropped.
      const video = this.canvas.captureStream().getVideoTracks();
      this.output = new MediaStream([...video, ...this.mix.stream.getAudioTracks()]);
    }
    return this.output;
  }

  /** The mixed audio alone (the IVS broadcast client takes audio and video separately). */
  audioStream(): MediaStream {
    return this.mix.stream;
  }

  destroy(): void {
    this.stop();
    for (const [id, s] of this.sources) this.dropSource(id, s);
    this.output?.getVideoTracks().forEach((t) => t.stop());
    this.output = null;
    if (this.ownsAudioContext) void this.audioContext.close().catch(() => undefined);
  }

  /** Paints one frame now (the loop calls it; the bench may too). */
  drawFrame(now = performance.now()): void {
    const started = performance.now();
    const { ctx, canvas } = this;
    this.paintBackground();
    for (const item of this.plan.draw) {
      const { x, y, w, h } = item.slot;
      const video = this.sources.get(item.memberId)?.video;
      if (video && video.readyState >= 2 && video.videoWidth > 0) {
        const c = coverCrop(video.videoWidth, video.videoHeight, w, h);
        ctx.drawImage(video, c.sx, c.sy, c.sw, c.sh, x, y, w, h);
      } else {
        ctx.fillStyle = PLACEHOLDER;
        ctx.fillRect(x, y, w, h);
        this.paintInitial(item.nameTag ?? this.nameOf(item.memberId), x, y, w, h);
      }
      if (item.nameTag) this.paintNameTag(item.nameTag, x, y, w, h);
    }
    if (this.plan.banner) this.paintBanner(this.plan.banner, canvas.width, canvas.height);
    const stats = this.stats;
    if (this.lastFrameAt > 0) push(stats.intervals, now - this.lastFrameAt);
    push(stats.drawTimes, performance.now() - started);
    stats.frames += 1;
    this.lastFrameAt = now;
  }

  private nameOf(memberId: string): string {
    return this.spec?.members.find((m) => m.id === memberId)?.displayName ?? '';
  }

  private paintBackground(): void {
    const { ctx, canvas } = this;
    const bg = this.spec?.background;
    if (this.background) {
      const c = coverCrop(this.background.naturalWidth, this.background.naturalHeight, canvas.width, canvas.height);
      ctx.drawImage(this.background, c.sx, c.sy, c.sw, c.sh, 0, 0, canvas.width, canvas.height);
      return;
    }
    ctx.fillStyle = bg?.kind === 'colour' ? bg.colour : '#0c0d12';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  private paintInitial(name: string, x: number, y: number, w: number, h: number): void {
    const letter = name.trim().charAt(0).toUpperCase() || '?';
    const { ctx } = this;
    ctx.fillStyle = '#a2a4b3';
    ctx.font = `600 ${Math.round(Math.min(w, h) / 3)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(letter, x + w / 2, y + h / 2);
  }

  private paintNameTag(name: string, x: number, y: number, w: number, h: number): void {
    const { ctx } = this;
    const size = Math.max(11, Math.min(22, Math.round(h / 14)));
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const pad = Math.round(size * 0.5);
    const text = fitText(ctx, name, w - 4 * pad);
    const tw = ctx.measureText(text).width + 2 * pad;
    const th = size + pad;
    ctx.fillStyle = TAG_BG;
    ctx.fillRect(x + pad, y + h - th - pad, tw, th);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, x + 2 * pad, y + h - pad - th / 2);
  }

  private paintBanner(text: string, width: number, height: number): void {
    const { ctx } = this;
    const size = Math.round(height / 24);
    const bh = Math.round(size * 2);
    const margin = Math.round(height / 24);
    ctx.font = `700 ${size}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const line = fitText(ctx, text, width - 2 * margin - 2 * size);
    const bw = Math.min(width - 2 * margin, ctx.measureText(line).width + 2 * size);
    ctx.fillStyle = BANNER_BG;
    ctx.fillRect(margin, height - margin - bh, bw, bh);
    ctx.fillStyle = '#1b0b05';
    ctx.fillText(line, margin + size, height - margin - bh / 2);
  }

  private dropSource(memberId: string, source: Source): void {
    source.video.pause();
    source.video.srcObject = null;
    source.audio?.node.disconnect();
    source.audio?.gain.disconnect();
    this.sources.delete(memberId);
  }
}

function sameTracks(source: Source, stream: MediaStream): boolean {
  const had = source.trackIds;
  const now = stream.getTracks().map((t) => t.id);
  return had.length === now.length && had.every((id) => now.includes(id));
}

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > STATS_KEPT) list.shift();
}

function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > maxWidth) cut = cut.slice(0, -1);
  return `${cut}…`;
}
