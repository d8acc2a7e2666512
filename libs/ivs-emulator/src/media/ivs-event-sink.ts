import { Logger } from '@nestjs/common';

/**
 * Where the local media plane delivers the IVS EventBridge envelopes it produces (stream
 * state, recording, health, stage updates). The host binds it, from a `@Global()` module,
 * to the same service that ingests AWS's events, so local and production share one path.
 */
export const IVS_EVENT_SINK = Symbol('IVS_EVENT_SINK');

export interface IvsEventSink {
  /**
   * Called once per event, in the order the media plane observed the facts, and awaited
   * before the next one is emitted. A rejection is logged; the media plane carries on.
   */
  emit(envelope: object): Promise<void>;
}

/** Used when the host binds nothing: events are logged at warn level and dropped. */
export class LoggingEventSink implements IvsEventSink {
  private readonly logger = new Logger('IvsEventSink');

  async emit(envelope: object): Promise<void> {
    const e = envelope as { 'detail-type'?: string; detail?: { event_name?: string; recording_status?: string } };
    const name = e.detail?.event_name ?? e.detail?.recording_status ?? '';
    this.logger.warn(`No IVS_EVENT_SINK bound; dropping "${e['detail-type']}" ${name}`);
  }
}

/** Internal: the sink the media plane actually uses (the host's binding, else the logging one). */
export const RESOLVED_EVENT_SINK = Symbol('RESOLVED_EVENT_SINK');

export const resolvedEventSinkProvider = {
  provide: RESOLVED_EVENT_SINK,
  useFactory: (bound?: IvsEventSink): IvsEventSink => bound ?? new LoggingEventSink(),
  inject: [{ token: IVS_EVENT_SINK, optional: true }],
};
