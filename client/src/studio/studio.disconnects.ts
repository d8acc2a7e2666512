import type { StageDisconnectProgress } from '@streamcat/protocol';

/**
 * The go-live panel's line about closing real-time viewing: viewers are disconnected a few per
 * second (as fast as Amazon IVS allows), so a big audience takes a while. Null when there is
 * nothing to say.
 */
export function disconnectLine(p: StageDisconnectProgress | null): string | null {
  if (!p || p.reason !== 'realtime-closed' || p.total === 0) return null;
  const viewers = (n: number) => `${n} viewer${n === 1 ? '' : 's'}`;
  if (!p.finished) return `Disconnecting viewers… ${p.done} / ${p.total}`;
  if (p.failed === 0) return `All ${viewers(p.total)} disconnected.`;
  return `${viewers(p.total - p.failed)} of ${p.total} disconnected; ${p.failed} could not be (their passes no longer work).`;
}

/** A newer push replaces an older one of the same batch; a new batch replaces the last. */
export function nextProgress(current: StageDisconnectProgress | null, pushed: StageDisconnectProgress): StageDisconnectProgress {
  if (current && current.batchId === pushed.batchId && (current.finished || current.done > pushed.done)) return current;
  return pushed;
}
