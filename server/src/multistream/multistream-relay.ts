import { ChildProcess, spawn } from 'node:child_process';
import type { MultistreamStatus } from '@streamcat/protocol';
import { bestVariant, failureReason, nextStatus, progressShowsMedia, RelayEvent, relayArgs } from './multistream.rules';

/** An attempt that has sent nothing after this long is ended and retried (a destination that never answers). */
const CONNECT_TIMEOUT_MS = 30_000;
/**
 * A channel's playback appears a few seconds after it goes live (the first segment): until then
 * a relay that just started keeps connecting quietly instead of reporting failures.
 */
const SOURCE_WARMUP_MS = 20_000;
const SOURCE_POLL_MS = 1_000;
/** ffmpeg gets this long to close the RTMP session cleanly when stopped. */
const STOP_GRACE_MS = 5_000;

export interface RelaySpec {
  /** The channel's playback URL as this node reads it (a master or media playlist). */
  source: string;
  /** rtmp(s)://…/<key> */
  target: string;
  /** Never shown to the host (cut out of ffmpeg's error lines). */
  secrets: string[];
}

/**
 * One destination's relay on this node: one ffmpeg at a time, started again with backoff when
 * it ends by itself, until `stop()`. Every state change goes to `onStatus` (stored and pushed
 * by the service); a relay never touches another one.
 */
export class MultistreamRelay {
  private proc?: ChildProcess;
  private retryTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private stopped = false;
  private stopping?: ChildProcess;
  private attempt = 0;
  private readonly startedAt = Date.now();

  constructor(
    readonly destinationId: string,
    private spec: RelaySpec,
    private status: MultistreamStatus,
    private readonly ffmpegPath: () => Promise<string | null>,
    private readonly onStatus: (status: MultistreamStatus) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The running ffmpeg's pid (also while it is being stopped). */
  get pid(): number | undefined {
    return (this.proc ?? this.stopping)?.pid;
  }

  get current(): MultistreamStatus {
    return this.status;
  }

  start(): void {
    void this.run();
  }

  /**
   * A new URL or key: the running attempt ends (and is waited for: two publishers on one key
   * would fight at the destination), then the next starts at once with the new spec.
   */
  restartWith(spec: RelaySpec): void {
    this.spec = spec;
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const proc = this.proc;
    this.proc = undefined;
    const attempt = ++this.attempt;
    void terminate(proc).then(() => {
      if (attempt === this.attempt) void this.run();
    });
  }

  /** Ends ffmpeg (SIGTERM, then SIGKILL after a grace) and resolves once it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.attempt++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const proc = this.proc;
    this.proc = undefined;
    this.stopping = proc;
    await terminate(proc);
    this.stopping = undefined;
    this.apply({ kind: 'stopped' });
  }

  private apply(e: RelayEvent): void {
    const { status, retryInMs } = nextStatus(this.status, e, this.now());
    if (status !== this.status) {
      this.status = status;
      this.onStatus(status);
    }
    if (retryInMs !== undefined && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.run(), retryInMs);
    }
  }

  private async run(): Promise<void> {
    if (this.stopped || this.proc) return;
    const attempt = ++this.attempt;
    this.apply({ kind: 'started' });
    const path = await this.ffmpegPath();
    if (!path) return this.failed(attempt, 'ffmpeg is not installed on the server (set FFMPEG_PATH)');
    const source = await this.resolveSource();
    if (this.stopped || attempt !== this.attempt) return;
    if ('error' in source) {
      if (source.notYet && Date.now() - this.startedAt < SOURCE_WARMUP_MS) {
        this.retryTimer = setTimeout(() => {
          if (attempt === this.attempt) void this.run();
        }, SOURCE_POLL_MS);
        return;
      }
      return this.failed(attempt, source.error);
    }

    const proc = spawn(path, relayArgs(source.url, this.spec.target), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let stderr = '';
    let block: Record<string, string> = {};
    let partial = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
    proc.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const eq = line.indexOf('=');
        if (eq < 0) continue;
        const key = line.slice(0, eq).trim();
        block[key] = line.slice(eq + 1).trim();
        if (key !== 'progress') continue;
        if (progressShowsMedia(block) && this.proc === proc) {
          clearTimeout(this.connectTimer);
          this.apply({ kind: 'progress' });
        }
        block = {};
      }
    });
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (this.proc === proc && this.status.state === 'connecting') {
        stderr += `\nno media reached the destination within ${CONNECT_TIMEOUT_MS / 1000} s (timed out)`;
        proc.kill('SIGKILL');
      }
    }, CONNECT_TIMEOUT_MS);
    proc.once('error', (err) => (stderr += `\n${err.message}`));
    proc.once('close', (code, signal) => {
      if (this.proc !== proc) return; // stopped or replaced: not a failure
      this.proc = undefined;
      clearTimeout(this.connectTimer);
      this.failed(attempt, failureReason(stderr, { code, signal }, this.spec.secrets));
    });
  }

  private failed(attempt: number, reason: string): void {
    if (this.stopped || attempt !== this.attempt) return;
    this.apply({ kind: 'exited', reason });
  }

  /** The media playlist to copy: the best rendition of a master playlist, or the playlist itself. */
  private async resolveSource(): Promise<{ url: string } | { error: string; notYet?: boolean }> {
    try {
      const res = await fetch(this.spec.source, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok)
        return { error: `the channel's programme is not available (HTTP ${res.status} from its playback URL)`, notYet: res.status === 404 };
      const text = await res.text();
      if (!text.startsWith('#EXTM3U')) return { error: "the channel's playback URL did not answer with an HLS playlist" };
      return { url: bestVariant(text, res.url) ?? res.url };
    } catch (e) {
      return { error: `the channel's programme could not be read (${e instanceof Error ? e.message : String(e)})` };
    }
  }
}

/** SIGTERM (ffmpeg closes the RTMP session cleanly), SIGKILL if it is still there after a grace; resolves once it exited. */
async function terminate(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(killer);
}
