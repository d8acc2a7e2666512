import { Injectable } from '@nestjs/common';
import { MediaProvider } from '../media/media-provider';
import { MEDIA_PROBE_INTERVAL_MS, probeDecision, ProbeResult } from './media-probe.policy';

const PROBE_TIMEOUT_MS = 2_000;

/**
 * IVS reachability for /api/health: one probe per interval on this replica, shared by every
 * request that arrives meanwhile (they wait for the probe in flight instead of starting one).
 */
@Injectable()
export class MediaHealth {
  private last: ProbeResult | null = null;
  private inFlight?: Promise<ProbeResult>;

  constructor(private readonly media: MediaProvider) {}

  async state(now = Date.now(), intervalMs = MEDIA_PROBE_INTERVAL_MS): Promise<'up' | 'down'> {
    if (probeDecision(this.last, now, intervalMs) === 'cached') return this.last!.state;
    this.inFlight ??= this.probe().finally(() => (this.inFlight = undefined));
    return (await this.inFlight).state;
  }

  private async probe(): Promise<ProbeResult> {
    let state: ProbeResult['state'];
    try {
      await Promise.race([
        this.media.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref()),
      ]);
      state = 'up';
    } catch {
      state = 'down';
    }
    this.last = { state, at: Date.now() };
    return this.last;
  }
}
