import type { GreenRoomEntry } from '@streamcat/protocol/studio';

/** The people in the green room now whom the host has not been told about yet, oldest first. */
export function greenRoomArrivals(told: ReadonlySet<string>, entries: readonly GreenRoomEntry[]): GreenRoomEntry[] {
  return entries.filter((e) => !told.has(e.guestId)).sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
}

/** One toast for a burst of arrivals, so three people at once do not push every other notice away. */
export function arrivalToast(arrivals: readonly GreenRoomEntry[]): string | null {
  if (!arrivals.length) return null;
  const [first, second] = arrivals;
  if (arrivals.length === 1) return `${first!.displayName} is waiting in the green room.`;
  if (arrivals.length === 2) return `${first!.displayName} and ${second!.displayName} are waiting in the green room.`;
  return `${first!.displayName} and ${arrivals.length - 1} others are waiting in the green room.`;
}
