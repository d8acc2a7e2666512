import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the delay histogram is read and reset. */
const WINDOW_MS = 10_000;
/** A stall this long delays every socket ack and HTTP answer on the node: worth a warning. */
const WARN_MAX_MS = 1_000;

/**
 * Watches the event loop of this node. Media forwarding (the local SFU), database drivers and
 * socket fan-out share one thread here, so a long stall shows up to users as commands that
 * "did not answer in time"; the log line says when and how long, which no request log shows.
 */
@Injectable()
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('EventLoop');
  private histogram?: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  private last = { p99Ms: 0, maxMs: 0 };

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => this.read(), WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  /** The last window's delay (ms): p99 and max. */
  snapshot(): { p99Ms: number; maxMs: number } {
    return this.last;
  }

  private read(): void {
    const h = this.histogram;
    if (!h) return;
    this.last = { p99Ms: Math.round(h.percentile(99) / 1e6), maxMs: Math.round(h.max / 1e6) };
    h.reset();
    if (this.last.maxMs >= WARN_MAX_MS)
      this.log.warn(`the event loop stalled for up to ${this.last.maxMs} ms in the last ${WINDOW_MS / 1000} s (p99 ${this.last.p99Ms} ms)`);
  }
}
