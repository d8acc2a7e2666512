import type { ParticipantRecordingEvent } from '@streamcat/ivs-events';
import { compareEvents } from '@streamcat/ivs-events';

/** What the events say about one participant recording (the row, without who it is). */
export interface ParticipantRecordingFacts {
  keyPrefix: string;
  sessionId: string;
  participantId: string;
  bucketName: string | null;
  startedAt: Date | null;
  startEventId: string | null;
  endedAt: Date | null;
  endEventId: string | null;
  failedAt: Date | null;
  failureEventId: string | null;
  failure: string | null;
}

type Stamp = { at: Date; id: string };

/** a before b: by time, then envelope id (so equal times still give one answer for every order). */
function earlier(a: Stamp, b: Stamp): boolean {
  return compareEvents({ time: a.at, id: a.id }, { time: b.at, id: b.id }) < 0;
}

export function emptyFacts(e: ParticipantRecordingEvent, keyPrefix: string): ParticipantRecordingFacts {
  return {
    keyPrefix,
    sessionId: e.sessionId,
    participantId: e.participantId,
    bucketName: e.s3BucketName,
    startedAt: null,
    startEventId: null,
    endedAt: null,
    endEventId: null,
    failedAt: null,
    failureEventId: null,
    failure: null,
  };
}

/**
 * One more event folded in. Every field is a min or a max over the events seen (earliest Start,
 * latest End, latest failure), so the result is the same for any order and any repeats. With a
 * reconnect window IVS may start and end one prefix more than once: earliest to latest is the span.
 */
export function mergeParticipantRecording(row: ParticipantRecordingFacts, e: ParticipantRecordingEvent): ParticipantRecordingFacts {
  const stamp = { at: e.time, id: e.id };
  const next = { ...row, bucketName: row.bucketName ?? e.s3BucketName };
  switch (e.name) {
    case 'Recording Start':
      if (!row.startedAt || earlier(stamp, { at: row.startedAt, id: row.startEventId! })) {
        next.startedAt = e.time;
        next.startEventId = e.id;
      }
      return next;
    case 'Recording End':
      if (!row.endedAt || earlier({ at: row.endedAt, id: row.endEventId! }, stamp)) {
        next.endedAt = e.time;
        next.endEventId = e.id;
      }
      return next;
    case 'Recording Start Failure':
    case 'Recording End Failure':
      if (!row.failedAt || earlier({ at: row.failedAt, id: row.failureEventId! }, stamp)) {
        next.failedAt = e.time;
        next.failureEventId = e.id;
        next.failure = `${e.name}${e.reason ? `: ${e.reason}` : ''}`.slice(0, 500);
      }
      return next;
  }
}

export type ParticipantRecordingState = 'recording' | 'ready' | 'failed';

/** A failure wins; an End (with or without its Start yet) means the files are complete. */
export function recordingState(f: Pick<ParticipantRecordingFacts, 'endedAt' | 'failure'>): ParticipantRecordingState {
  if (f.failure) return 'failed';
  return f.endedAt ? 'ready' : 'recording';
}

/** Start to End, once both are known. */
export function recordingDurationMs(f: Pick<ParticipantRecordingFacts, 'startedAt' | 'endedAt'>): number | null {
  return f.startedAt && f.endedAt ? Math.max(0, f.endedAt.getTime() - f.startedAt.getTime()) : null;
}
