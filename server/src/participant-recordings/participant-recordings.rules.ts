/** Who may see which participant recordings of a broadcast: decided here, applied in SQL by the service. */
export type RecordingsAccess = { kind: 'all' } | { kind: 'own'; userId: string } | { kind: 'none' };

/**
 * The broadcast's host (the channel's owner) sees every member's recording; a member sees only
 * their own (their account is on the recording); anyone else, nothing. A member with no recording
 * in this broadcast is "anyone else": there is nothing of theirs to show.
 */
export function recordingsAccess(viewerId: string, hostId: string, viewerHasOne: boolean): RecordingsAccess {
  if (viewerId === hostId) return { kind: 'all' };
  return viewerHasOne ? { kind: 'own', userId: viewerId } : { kind: 'none' };
}
