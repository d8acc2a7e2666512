import type { RecordingEvent, StreamHealthEvent, StreamStateEvent } from '@streamcat/ivs-events';
import type { StreamHealth } from '../channels/channel.entity';
import type { StreamFacts } from './channel-live-state';
import { compareEvents } from '@streamcat/ivs-events';
import { LifecycleStamp, stampOf, supersedes } from './ivs-event.lifecycle';

/** Every column of a `streams` row the event pipeline owns. */
export interface StreamRow extends StreamFacts {
  channelId: string;
  /** Copied from the channel when the row is first created, never after. */
  title: string;
  categoryId: number | null;
  endReason: string | null;
  sessionCreatedAt: Date | null;
  healthAt: Date | null;
  healthRank: number | null;
  healthEventId: string | null;
  recordingStartedAt: Date | null;
  recordingEndedAt: Date | null;
  recordingDurationMs: number | null;
  recordingKeyPrefix: string | null;
  recordingFailureReason: string | null;
  recordingFailedAt: Date | null;
}

export type StreamEvent = StreamStateEvent | RecordingEvent | StreamHealthEvent;

export function emptyStreamRow(streamId: string, channel: { id: string; title: string; categoryId: number | null }): StreamRow {
  return {
    streamId,
    channelId: channel.id,
    title: channel.title,
    categoryId: channel.categoryId,
    startedAt: null,
    startEventId: null,
    endedAt: null,
    endEventId: null,
    endReason: null,
    sessionCreatedAt: null,
    sessionEndedAt: null,
    offlineAt: null,
    health: null,
    healthAt: null,
    healthRank: null,
    healthEventId: null,
    recordingStartedAt: null,
    recordingEndedAt: null,
    recordingDurationMs: null,
    recordingKeyPrefix: null,
    recordingFailureReason: null,
    recordingFailedAt: null,
  };
}

const earliest = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
const latest = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

/**
 * Folds one event into a stream's row. Every rule is a min, a max or "newest stamp wins",
 * so the row after a set of events is the same whatever order they came in (and a
 * redelivery changes nothing). The sample Lambda overwrote `started_at` with an End's time
 * and lost the first `recording_started_at`; neither can happen here.
 */
export function mergeStreamEvent(row: StreamRow, e: StreamEvent): StreamRow {
  const next = { ...row };
  switch (e.kind) {
    case 'stream-state':
      switch (e.name) {
        case 'Stream Start':
          // Two Starts for one stream id would be an AWS anomaly; keep the first (time, id).
          if (!next.startedAt || compareEvents(e, { time: next.startedAt, id: next.startEventId ?? '' }) < 0) {
            next.startedAt = e.time;
            next.startEventId = e.id;
          }
          break;
        case 'Stream End':
        case 'Stream Failure':
          if (!next.endedAt || compareEvents(e, { time: next.endedAt, id: next.endEventId ?? '' }) > 0) {
            next.endedAt = e.time;
            next.endEventId = e.id;
            next.endReason = e.name === 'Stream Failure' ? failureReason(e) : null;
          }
          break;
        case 'Session Created':
          next.sessionCreatedAt = earliest(next.sessionCreatedAt, e.time);
          break;
        case 'Session Ended':
          next.sessionEndedAt = latest(next.sessionEndedAt, e.time);
          break;
        default:
          break; // takeovers are recorded in the ledger only
      }
      return next;
    case 'stream-health': {
      const stamp = stampOf(e);
      const current: LifecycleStamp | null = next.healthAt
        ? { time: next.healthAt, rank: next.healthRank ?? 0, id: next.healthEventId ?? '' }
        : null;
      if (supersedes(stamp, current)) {
        next.health = (e.name === 'Starvation Start' ? 'STARVING' : 'HEALTHY') satisfies StreamHealth;
        next.healthAt = e.time;
        next.healthRank = stamp.rank;
        next.healthEventId = e.id;
      }
      return next;
    }
    case 'recording':
      switch (e.name) {
        case 'Recording Start':
          next.recordingStartedAt = earliest(next.recordingStartedAt, e.time);
          // The End's prefix is authoritative; a Start only fills a gap.
          next.recordingKeyPrefix = next.recordingKeyPrefix ?? e.s3KeyPrefix;
          break;
        case 'Recording End':
          if (!next.recordingEndedAt || e.time.getTime() >= next.recordingEndedAt.getTime()) {
            next.recordingEndedAt = e.time;
            next.recordingDurationMs = e.durationMs ?? next.recordingDurationMs;
          }
          next.recordingKeyPrefix = e.s3KeyPrefix ?? next.recordingKeyPrefix;
          break;
        case 'Recording Start Failure':
        case 'Recording End Failure': {
          const reason = e.reason ?? e.name;
          const t = next.recordingFailedAt?.getTime();
          if (t === undefined || e.time.getTime() > t || (e.time.getTime() === t && reason > (next.recordingFailureReason ?? ''))) {
            next.recordingFailedAt = e.time;
            next.recordingFailureReason = reason;
          }
          break;
        }
      }
      return next;
  }
}

function failureReason(e: StreamStateEvent): string {
  if (e.code && e.reason) return `${e.code}: ${e.reason}`;
  return e.reason ?? e.code ?? 'Stream Failure';
}

/** A VOD exists once the recording has ended and we know where its files are. */
export function recordingReady(row: StreamRow | null): boolean {
  return !!row?.recordingEndedAt && !!row.recordingKeyPrefix;
}

/** True when an event changed nothing, so the write (and its row lock churn) can be skipped. */
export function sameStreamRow(a: StreamRow, b: StreamRow): boolean {
  return (Object.keys(a) as (keyof StreamRow)[]).every((k) => {
    const x = a[k];
    const y = b[k];
    return x instanceof Date && y instanceof Date ? x.getTime() === y.getTime() : x === y;
  });
}
