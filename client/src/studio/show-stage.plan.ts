import { publishesToShowStage, showStageNeeded, type StudioDocument } from '@streamcat/protocol';

/** Waits between attempts to reach the show stage again (a network error, a dropped connection), then every 10 s. */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000];

export function showStageRetryDelayMs(failures: number): number {
  return RETRY_DELAYS_MS[failures] ?? 10_000;
}

/**
 * Whether this browser publishes to the show stage: the member is on air and someone watches
 * the show stage (real-time viewing open; later also a cloud composition, through
 * showStageNeeded). False while the document is not loaded.
 */
export function showStageWanted(doc: StudioDocument | null, memberId: string | null): boolean {
  return !!doc && !!memberId && publishesToShowStage(doc, memberId);
}

/**
 * Whether this browser keeps a show-stage connection ready: someone watches the show stage and
 * the member is in the studio but not on air, so going on air needs only the join (the ready
 * connection sends nothing; the server still decides who may publish).
 */
export function showStageStandby(doc: StudioDocument | null, memberId: string | null): boolean {
  return !!doc && !!memberId && showStageNeeded(doc) && doc.members.some((m) => m.id === memberId && m.status !== 'on-air');
}
