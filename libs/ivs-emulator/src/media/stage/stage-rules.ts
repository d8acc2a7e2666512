import { heartbeatSilent, type StageErrorCodeName } from '@streamcat/protocol';

export type RuleOutcome = { ok: true } | { ok: false; code: StageErrorCodeName; message: string };

const allow: RuleOutcome = { ok: true };

/**
 * Whether a participant may start publishing now. Publishers already counted include it when
 * re-publishing. `maxPublishers`: the publishersPerStage quota (12 at IVS, not adjustable there).
 */
export function decidePublish(input: {
  canPublish: boolean;
  publishers: number;
  alreadyPublishing: boolean;
  maxPublishers: number;
}): RuleOutcome {
  if (!input.canPublish) return { ok: false, code: 'PUBLISH_NOT_ALLOWED', message: 'This participant token does not grant PUBLISH.' };
  if (!input.alreadyPublishing && input.publishers >= input.maxPublishers)
    return { ok: false, code: 'STAGE_AT_CAPACITY', message: `The stage already has ${input.maxPublishers} publishers.` };
  return allow;
}

/** Whether a participant may subscribe to `target`; a participant counts once however many it watches. */
export function decideSubscribe(input: {
  canSubscribe: boolean;
  subscribers: number;
  alreadySubscriber: boolean;
  maxSubscribers: number;
  targetPublishing: boolean;
  targetIsSelf: boolean;
}): RuleOutcome {
  if (!input.canSubscribe) return { ok: false, code: 'SUBSCRIBE_NOT_ALLOWED', message: 'This participant token does not grant SUBSCRIBE.' };
  if (input.targetIsSelf || !input.targetPublishing)
    return { ok: false, code: 'PARTICIPANT_NOT_PUBLISHING', message: 'That participant is not publishing.' };
  if (!input.alreadySubscriber && input.subscribers >= input.maxSubscribers)
    return { ok: false, code: 'STAGE_AT_CAPACITY', message: `The stage already has ${input.maxSubscribers} subscribers.` };
  return allow;
}

/**
 * Whether a participant's socket is dead by the heartbeat: it pings (a socket that never did is
 * left to the ws-level ping) and the shared rule (heartbeatSilent) says it went silent.
 */
export function heartbeatDead(input: {
  heartbeating: boolean;
  silentMs: number;
  deadMs: number;
  sinceLastCheckMs: number;
  checkIntervalMs: number;
}): boolean {
  return input.heartbeating && heartbeatSilent(input);
}
