import { DEFAULT_CANVAS, type Canvas } from '@streamcat/layouts';
import { brandOf, type StudioBrand } from '@streamcat/protocol/studio-brand';
import { BrandImages, imageSize } from './brand-images';
import { logoRect, lowerThird } from './compositor.brand';
import { CommentCard, commentOnScreen } from './compositor.comment';
import { coverCrop, FRAME_SLACK_MS, nextFrameDue, planProgramme, type ProgrammePlan, type ProgrammeSpec } from './compositor.plan';
import { cardCountdown, cardKey, layoutCard, type CardLayout, type CardText } from './compositor.scene';

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
  /** Every member's gain feeds this bus; it feeds the broadcast's mix and the master meter. */
  private readonly bus: GainNode;
  private meter: AnalyserNode | null = null;
  private readonly sources = new Map<string, Source>();
  private spec: ProgrammeSpec | null = null;
  private plan: ProgrammePlan = { draw: [], audible: new Set(), gains: new Map(), banner: null, card: null };
  /** Background, logo and overlay images, decoded once by URL. */
  private readonly images = new BrandImages();
  private brand: StudioBrand = brandOf({});
  /** The active card laid out (measured) once per change of its texts, not every frame. */
  private cardLayout: CardLayout | null = null;
  private cardLayoutKey = '';
  private running = false;
  private rafId = 0;
  private timerId: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private output: MediaStream | null = null;
  private readonly commentCard = new CommentCard();
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
    this.bus = this.audioContext.createGain();
    this.bus.connect(this.mix);
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
      gain.gain.value = this.plan.gains.get(memberId) ?? 0;
      node.connect(gain).connect(this.bus);
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
      source.audio.gain.gain.setTargetAtTime(this.plan.gains.get(id) ?? 0, this.audioContext.currentTime, 0.015);
    }
    const key = cardKey(this.plan.card, this.canvas);
    if (key !== this.cardLayoutKey) {
      this.cardLayoutKey = key;
      this.cardLayout = this.plan.card ? layoutCard(this.plan.card, this.canvas, (text, font) => this.measure(text, font)) : null;
    }
    this.brand = brandOf(spec);
    this.images.retain([spec.background.kind === 'image' ? spec.background.url : null, this.brand.logo, this.brand.overlay]);
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

  /** The programme mix's analyser, for the host's master level meter (made on first use; it only listens). */
  mixAnalyser(): AnalyserNode {
    if (!this.meter) {
      this.meter = this.audioContext.createAnalyser();
      this.meter.fftSize = 512;
      this.bus.connect(this.meter);
    }
    return this.meter;
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
    this.images.clear();
    if (this.ownsAudioContext) void this.audioContext.close().catch(() => undefined);
  }

  /** Paints one frame now (the loop calls it; the bench may too). */
  drawFrame(now = performance.now()): void {
    const started = performance.now();
    const { ctx, canvas } = this;
    this.paintBackground();
    if (this.cardLayout) this.paintCard(this.cardLayout, Date.now());
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
    }
    // The overlay frames the tiles; name tags, banner and logo stay readable on top of it.
    this.paintImage(this.brand.overlay, 0, 0, canvas.width, canvas.height);
    for (const item of this.plan.draw)
      if (item.nameTag) this.paintNameTag(item.nameTag, item.slot.x, item.slot.y, item.slot.w, item.slot.h);
    if (this.plan.banner) this.paintBanner(this.plan.banner, canvas.width, canvas.height);
    this.paintLogo();
    // In the brand's colour, like the lower thirds; last, so nothing covers what a viewer wrote.
    const comment = commentOnScreen(this.spec?.comment, !!this.cardLayout);
    if (comment) this.commentCard.paint(ctx, comment, canvas, this.brand.primary);
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
    const image = this.images.get(bg?.kind === 'image' ? bg.url : null);
    if (image) {
      const size = imageSize(image);
      const c = coverCrop(size.width, size.height, canvas.width, canvas.height);
      ctx.drawImage(image, c.sx, c.sy, c.sw, c.sh, 0, 0, canvas.width, canvas.height);
      return;
    }
    ctx.fillStyle = bg?.kind === 'colour' ? bg.colour : '#0c0d12';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  private measure(text: string, font: string): number {
    this.ctx.font = font;
    return this.ctx.measureText(text).width;
  }

  /** A scene card: the panel, its accent strip and texts as laid out; only the countdown's text is new each frame. */
  private paintCard(card: CardLayout, nowMs: number): void {
    const { ctx } = this;
    ctx.fillStyle = card.panelColour;
    ctx.fillRect(card.panel.x, card.panel.y, card.panel.w, card.panel.h);
    ctx.fillStyle = card.accentColour;
    ctx.fillRect(card.accent.x, card.accent.y, card.accent.w, card.accent.h);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const text = (t: CardText) => {
      ctx.font = t.font;
      ctx.fillStyle = t.colour;
      ctx.fillText(t.text, t.x, t.y);
    };
    if (card.title) text(card.title);
    if (card.subtitle) text(card.subtitle);
    const count = card.countdown ? cardCountdown(this.plan.card, nowMs) : null;
    if (card.countdown && count !== null) text({ ...card.countdown, text: count });
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
    const text = fitText(ctx, name, w - 5 * pad);
    this.paintLowerThird(text, x + pad, y + h - pad, size);
  }

  /** A name tag or the banner in the brand's style and colour (geometry from compositor.brand). */
  private paintLowerThird(text: string, left: number, bottom: number, size: number): void {
    const { ctx } = this;
    const shape = lowerThird(this.brand.lowerThird, this.brand.primary, left, bottom, ctx.measureText(text).width, size);
    for (const s of shape.shapes) {
      ctx.fillStyle = s.fill;
      ctx.fillRect(s.rect.x, s.rect.y, s.rect.w, s.rect.h);
    }
    ctx.fillStyle = shape.text.colour;
    ctx.fillText(text, shape.text.x, shape.text.y);
  }

  private paintImage(url: string | null, x: number, y: number, w: number, h: number): void {
    const image = this.images.get(url);
    if (image) this.ctx.drawImage(image, x, y, w, h);
  }

  private paintLogo(): void {
    const image = this.images.get(this.brand.logo);
    const box = image && logoRect(this.canvas, imageSize(image));
    if (image && box) this.ctx.drawImage(image, box.x, box.y, box.w, box.h);
  }

  private paintBanner(text: string, width: number, height: number): void {
    const { ctx } = this;
    const size = Math.round(height / 24);
    const margin = Math.round(height / 24);
    ctx.font = `700 ${size}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const line = fitText(ctx, text, width - 2 * margin - 2 * size);
    this.paintLowerThird(line, margin, height - margin, size);
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
