import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EmulatorStatus, parseEmulatorStatus } from '@streamcat/protocol';
import { LocalFfmpegStatus, LocalMediaPlane } from './local-media-plane';

/** Often enough that a restarted emulator's RTMP port shows within a page refresh or two. */
const REFRESH_MS = 10_000;

/**
 * LocalMediaPlane of a standalone emulator (IVS_EMULATOR_URL): what only the emulator knows
 * (its RTMP port, its ffmpeg) is read from its status endpoint and cached, because the callers
 * (channel credentials, health) answer synchronously. Until the first answer, ffmpeg reads as
 * missing with the reason, and there is no RTMP URL.
 */
export class RemoteMediaPlane extends LocalMediaPlane implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RemoteMediaPlane');
  private status?: EmulatorStatus;
  private problem = 'The IVS emulator has not answered yet.';
  private timer?: NodeJS.Timeout;

  constructor(private readonly emulatorUrl: string) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  rtmpUrl(ingestEndpoint: string): string | null {
    const port = this.status?.rtmpPort;
    return port === undefined || port === null ? null : `rtmp://${ingestEndpoint}:${port}/app/`;
  }

  ffmpeg(): LocalFfmpegStatus {
    return this.status?.ffmpeg ?? { status: 'missing', message: this.problem };
  }

  private async refresh(): Promise<void> {
    const url = `${this.emulatorUrl}/_ivs/local/status`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      const status = res.ok ? parseEmulatorStatus(await res.json()) : undefined;
      if (!status) throw new Error(`HTTP ${res.status}`);
      if (!this.status) this.logger.log(`IVS emulator at ${this.emulatorUrl} answers (RTMP port ${status.rtmpPort ?? 'off'})`);
      this.status = status;
    } catch (e) {
      this.problem = `The IVS emulator at ${this.emulatorUrl} does not answer (${e instanceof Error ? e.message : String(e)}).`;
      if (this.status) this.logger.warn(this.problem);
      this.status = undefined;
    }
  }
}
