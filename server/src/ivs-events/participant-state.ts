import type { CompositionEvent, StageUpdateEvent } from '@streamcat/ivs-events';
import { LifecycleStamp, stampOf, supersedes } from './ivs-event.lifecycle';

export type ParticipantPublishState = 'published' | 'unpublished' | 'publish-error';

export interface ParticipantRow {
  participantId: string;
  sessionId: string;
  userId: string | null;
  state: ParticipantPublishState;
  errorCode: string | null;
  stateAt: Date;
  stateRank: number;
  stateEventId: string;
}

const STATES: Partial<Record<StageUpdateEvent['name'], ParticipantPublishState>> = {
  'Participant Published': 'published',
  'Participant Unpublished': 'unpublished',
  'Participant Publish Error': 'publish-error',
};

/** Replication events do not change who is publishing; the pipeline only records them. */
export function publishStateOf(e: StageUpdateEvent): ParticipantPublishState | null {
  return STATES[e.name] ?? null;
}

/**
 * A participant's publish state after one more event: the newest (stage time when IVS gives
 * one, else the envelope time; then lifecycle; then id) wins, so arrival order does not matter.
 */
export function mergeParticipantEvent(row: ParticipantRow | null, e: StageUpdateEvent): ParticipantRow | null {
  const state = publishStateOf(e);
  if (!state) return row;
  const stamp = stampOf({ time: e.eventTime ?? e.time, id: e.id, name: e.name });
  const current: LifecycleStamp | null = row ? { time: row.stateAt, rank: row.stateRank, id: row.stateEventId } : null;
  if (!supersedes(stamp, current)) return row;
  return {
    participantId: e.participantId,
    sessionId: e.sessionId,
    userId: e.userId ?? row?.userId ?? null,
    state,
    errorCode: state === 'publish-error' ? e.errorCode : null,
    stateAt: stamp.time,
    stateRank: stamp.rank,
    stateEventId: e.id,
  };
}

export interface CompositionRow {
  compositionArn: string;
  state: CompositionEvent['name'];
  stateAt: Date;
  stateRank: number;
  stateEventId: string;
}

export function mergeCompositionEvent(row: CompositionRow | null, e: CompositionEvent): CompositionRow | null {
  const stamp = stampOf(e);
  if (row && !supersedes(stamp, { time: row.stateAt, rank: row.stateRank, id: row.stateEventId })) return row;
  return { compositionArn: e.compositionArn, state: e.name, stateAt: stamp.time, stateRank: stamp.rank, stateEventId: e.id };
}
