import type { Logger } from '@nestjs/common';
import { buildRecordingEvent, buildStreamHealthEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import type { StreamKeyOwner } from '../../channels/channels.service';
import type { IvsEventSink } from '../ivs-event-sink';

type StreamStateName = Parameters<typeof buildStreamStateEvent>[0]['name'];

/**
 * The IVS events of one live stream, built when they happen and delivered one at a time in
 * that order (as AWS sends them); a failing sink is logged and does not stop the stream.
 */
export class IngestEvents {
  private delivered = Promise.resolve();
  streamId = '';

  constructor(
    private readonly owner: StreamKeyOwner,
    private readonly recording: { bucketName: string; keyPrefix: string; recordingId: string },
    private readonly sink: IvsEventSink,
    private readonly logger: Logger,
  ) {}

  /** Resolves once every event queued so far was handed to the sink. */
  flushed(): Promise<void> {
    return this.delivered;
  }

  streamState(name: StreamStateName, extra: { code?: string; reason?: string } = {}): void {
    this.queue(buildStreamStateEvent({ name, time: new Date(), ...this.stream(), ...extra }));
  }

  health(name: 'Starvation Start' | 'Starvation End'): void {
    this.queue(buildStreamHealthEvent({ name, time: new Date(), ...this.stream() }));
  }

  recordingState(status: 'Recording Start' | 'Recording End', durationMs?: number): void {
    this.queue(
      buildRecordingEvent({
        status,
        time: new Date(),
        ...this.stream(),
        s3BucketName: this.recording.bucketName,
        s3KeyPrefix: this.recording.keyPrefix,
        recordingSessionId: this.recording.recordingId,
        ...(durationMs !== undefined ? { durationMs } : {}),
      }),
    );
  }

  private stream() {
    return { channelArn: this.owner.channelArn, channelName: this.owner.channelName, streamId: this.streamId };
  }

  private queue(envelope: object): void {
    this.delivered = this.delivered.then(() =>
      this.sink.emit(envelope).catch((err: unknown) => this.logger.error(`event sink failed: ${String(err)}`)),
    );
  }
}
