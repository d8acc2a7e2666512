import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MediaProvider } from '../media/media-provider';
import { IvsEventsService } from './ivs-events.service';

/**
 * A lost Stream End must not leave a channel live forever: asks IVS (GetStream) about every
 * channel we believe is live and marks the ones not broadcasting offline. Runs once at start
 * and then every `intervalMs`; tests call `reconcile()` by hand.
 */
@Injectable()
export class IvsEventsReconciliationService implements OnApplicationShutdown {
  private readonly log = new Logger('IvsReconciliation');
  private timer?: NodeJS.Timeout;
  private running?: Promise<string[]>;

  constructor(
    private readonly events: IvsEventsService,
    private readonly media: MediaProvider,
  ) {}

  start(intervalMs = 60_000): void {
    const tick = () => void this.reconcile().catch((e) => this.log.warn(`reconciliation failed: ${(e as Error).message}`));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** One pass (concurrent calls share it); returns the ARNs of channels marked offline. */
  reconcile(): Promise<string[]> {
    this.running ??= this.events
      .reconcileLiveChannels((arn) => this.media.getStream(arn))
      .then((offline) => {
        if (offline.length) this.log.log(`marked ${offline.length} channel(s) offline: GetStream says not broadcasting`);
        return offline;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
