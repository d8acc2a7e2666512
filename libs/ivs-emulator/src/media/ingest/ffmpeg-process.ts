import { ChildProcess, spawn } from 'node:child_process';

/** How long ffmpeg gets to flush its outputs after its input ends before it is killed. */
const FLUSH_TIMEOUT_MS = 10_000;

/** One ingest's ffmpeg: media in on stdin, the tail of its error output kept for logs and events. */
export class FfmpegProcess {
  /** Resolves with the exit code (-1 when it could not start) once ffmpeg is gone. */
  readonly exited: Promise<number | null>;
  private errors = '';

  private constructor(private readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code) => resolve(code));
      proc.once('error', (err) => {
        this.errors += String(err);
        resolve(-1);
      });
    });
    proc.stderr!.on('data', (d: Buffer) => (this.errors = (this.errors + d.toString()).slice(-2_000)));
    // EPIPE when ffmpeg dies mid-write: the exit is what ends the session.
    proc.stdin!.on('error', () => undefined);
  }

  static start(path: string, args: string[]): FfmpegProcess {
    return new FfmpegProcess(spawn(path, args, { stdio: ['pipe', 'ignore', 'pipe'], env: process.env }));
  }

  get writable(): boolean {
    return !!this.proc.stdin?.writable;
  }

  /** Last lines ffmpeg wrote to stderr (errors only: it runs with -loglevel error). */
  get errorTail(): string {
    return this.errors.trim();
  }

  /** false: its input is full, wait for `onDrain` before writing more. */
  write(chunk: Buffer): boolean {
    return this.proc.stdin!.write(chunk);
  }

  onDrain(fn: () => void): void {
    this.proc.stdin?.once('drain', fn);
  }

  /** Asks ffmpeg to finish (SIGINT: it closes its outputs properly), for processes not fed on stdin. */
  interrupt(): void {
    this.proc.kill('SIGINT');
  }

  /** The exit code, killing the process if it has not exited within `ms`. */
  async exitedWithin(ms: number): Promise<number | null> {
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }

  /** Ends its input so it finishes the playlists, and waits for it (killed if it hangs). */
  async stop(): Promise<void> {
    this.proc.stdin?.end();
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), FLUSH_TIMEOUT_MS);
    await this.exited;
    clearTimeout(killer);
  }
}
