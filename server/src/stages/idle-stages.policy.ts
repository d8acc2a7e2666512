import type { BroadcastState } from '@streamcat/protocol';

/** What the idle sweeper knows about one studio's IVS stage. */
export interface StudioStageUse {
  /** Last token or studio join of a member. */
  lastUsedAt: Date;
  realtimeOpen: boolean;
  /** The studio document's broadcast switch; null before the studio was ever opened. */
  broadcast: BroadcastState | null;
  /** IVS's answer (GetStage): someone is connected to the stage. Undefined until asked. */
  activeSession?: boolean;
}

export type IdleVerdict = 'keep' | 'ask-ivs' | 'give-back';

/**
 * Whether a studio's IVS stage goes back to AWS: only after `idleMs` without a member asking
 * for it, with real-time viewing closed and no broadcast under way, and only once IVS confirms
 * nobody is connected (a member may sit on the stage for hours on one token). Asking IVS
 * comes last, because GetStage has a rate budget of its own.
 */
export function idleStageVerdict(use: StudioStageUse, now: Date, idleMs: number): IdleVerdict {
  if (now.getTime() - use.lastUsedAt.getTime() < idleMs) return 'keep';
  if (use.realtimeOpen || (use.broadcast !== null && use.broadcast !== 'offline')) return 'keep';
  if (use.activeSession === undefined) return 'ask-ivs';
  return use.activeSession ? 'keep' : 'give-back';
}

/** How often each node sweeps: often enough to give a stage back within a fraction of the idle time, at most once a minute. */
export function idleSweepIntervalMs(idleMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(idleMs / 4)));
}
