import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { IvsEventSink } from '@streamcat/ivs-emulator';
import { deliveryOutcome, MAX_EVENT_AGE_MS, MAX_QUEUED, nextBatchSize, retryDelayMs } from './event-delivery.policy';

export interface HttpEventSinkOptions {
  /**
   * The servers' events endpoint(s), e.g. http://server:3000/api/ivs/events: a load balancer in
   * front of the replicas, or each replica's own address (a failed attempt moves to the next one).
   */
  urls: string[];
  apiKey: string;
  /** A request with no answer in this long is retried. */
  timeoutMs?: number;
}

interface Queued {
  envelope: object;
  queuedAt: number;
}

/**
 * The standalone emulator's IVS_EVENT_SINK: what EventBridge → API destination does at AWS.
 * `emit` only queues (the media plane never waits on the server); one request at a time sends
 * the oldest events, up to 100, in the order they happened, and the same batch is sent again
 * after a failure until it is answered 2xx. The server applies events idempotently by id and in
 * any order, so a batch sent twice (answered, but the answer lost) costs nothing. A server
 * restart only delays events (or, given several replicas' URLs, sends them to another one); an
 * emulator restart loses those still queued, as its media does.
 */
export class HttpEventSink implements IvsEventSink, OnApplicationShutdown {
  private readonly logger = new Logger('IvsEventDelivery');
  private readonly queue: Queued[] = [];
  private sending = false;
  private stopped = false;
  private wake?: () => void;
  private attempt = 0;
  /** The endpoint that answered last: kept while it answers, the next one after a failure. */
  private target = 0;

  constructor(private readonly options: HttpEventSinkOptions) {
    if (!options.urls.length) throw new Error('HttpEventSink needs at least one URL');
  }

  async emit(envelope: object): Promise<void> {
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      this.logger.error(`More than ${MAX_QUEUED} events wait for ${this.options.urls.join(', ')}: the oldest is dropped`);
    }
    this.queue.push({ envelope, queuedAt: Date.now() });
    void this.pump();
  }

  /** Events not yet acknowledged by the server. */
  get pending(): number {
    return this.queue.length;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.wake?.();
    if (this.queue.length) this.logger.warn(`${this.queue.length} IVS events were not delivered before shutdown`);
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length && !this.stopped) {
        this.dropExpired();
        const batch = this.queue.slice(0, nextBatchSize(this.queue.length));
        if (!batch.length) break;
        const { status, detail } = await this.post(batch.map((q) => q.envelope));
        const outcome = deliveryOutcome(status);
        if (outcome === 'retry') {
          this.attempt++;
          this.target = (this.target + 1) % this.options.urls.length;
          const delay = retryDelayMs(this.attempt, Math.random());
          // The first failure and then every tenth: a server down for minutes should not flood the log.
          if (this.attempt === 1 || this.attempt % 10 === 0)
            this.logger.warn(`Delivering ${batch.length} IVS event(s) failed (${detail}); retry ${this.attempt} in ${delay} ms`);
          await this.sleep(delay);
          continue;
        }
        if (this.attempt) this.logger.log(`IVS events delivered again after ${this.attempt} retries`);
        this.attempt = 0;
        this.queue.splice(0, batch.length);
        if (outcome === 'rejected') this.logger.error(`The server refused ${batch.length} IVS event(s) (${detail}); they are dropped`);
      }
    } finally {
      this.sending = false;
    }
  }

  private async post(envelopes: object[]): Promise<{ status?: number; detail: string }> {
    const url = this.options.urls[this.target];
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.options.apiKey },
        body: JSON.stringify(envelopes),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = res.ok ? '' : (await res.text().catch(() => '')).slice(0, 300);
      return { status: res.status, detail: `${url}: HTTP ${res.status}${text ? ` ${text}` : ''}` };
    } catch (e) {
      const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      return { detail: `${url}: ${cause}` };
    }
  }

  private dropExpired(): void {
    const cutoff = Date.now() - MAX_EVENT_AGE_MS;
    let n = 0;
    while (n < this.queue.length && this.queue[n].queuedAt < cutoff) n++;
    if (!n) return;
    this.queue.splice(0, n);
    this.logger.error(`${n} IVS event(s) could not be delivered within 24 hours and are dropped`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
