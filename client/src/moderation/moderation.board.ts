import type { ModerationAuditEntry, ModerationChannel, ModerationServerEvents, ModerationStage } from '@streamcat/protocol';

/** How many audit entries the panel keeps in memory (older ones are paged in on demand). */
export const AUDIT_KEEP = 500;

/**
 * One host's activity as the panel lists it: their live channel, their open stage, or both.
 * Channels and stages are named after their owner, so grouping by host puts a show's
 * broadcast and its stage members on one row.
 */
export interface BoardRow {
  host: string;
  channel: ModerationChannel | null;
  stage: ModerationStage | null;
  /** Starving stream or a limit breach: the moderator should look here first. */
  needsAttention: boolean;
  /** When the oldest of the two began (null when unknown). */
  since: string | null;
}

export function channelNeedsAttention(channel: ModerationChannel): boolean {
  return channel.health === 'STARVING' || channel.limitBreaches.length > 0;
}

/** Oldest first, then by name: rows keep their place while counts change under the pointer. */
function bySinceThenName<T>(since: (x: T) => string | null, name: (x: T) => string) {
  return (a: T, b: T): number => {
    const sa = since(a);
    const sb = since(b);
    if (sa !== sb) {
      if (sa === null) return 1;
      if (sb === null) return -1;
      return sa < sb ? -1 : 1;
    }
    return name(a).localeCompare(name(b));
  };
}

export function sortChannels(channels: readonly ModerationChannel[]): ModerationChannel[] {
  return [...channels].sort(
    bySinceThenName(
      (c) => c.since,
      (c) => c.channel,
    ),
  );
}

export function sortStages(stages: readonly ModerationStage[]): ModerationStage[] {
  return [...stages].sort(
    bySinceThenName(
      (s) => s.since,
      (s) => s.stage,
    ),
  );
}

/** A `moderation:channel` update: replaces the channel's entry, adds it, or (entry null) drops it. */
export function applyChannelUpdate(
  channels: readonly ModerationChannel[],
  update: ModerationServerEvents['moderation:channel'],
): ModerationChannel[] {
  const rest = channels.filter((c) => c.channel !== update.channel);
  return sortChannels(update.entry ? [...rest, update.entry] : rest);
}

/** A `moderation:stage` update: replaces the stage's entry, adds it, or (entry null) drops it. */
export function applyStageUpdate(
  stages: readonly ModerationStage[],
  update: ModerationServerEvents['moderation:stage'],
): ModerationStage[] {
  const rest = stages.filter((s) => s.stage !== update.stage);
  return sortStages(update.entry ? [...rest, update.entry] : rest);
}

/** Rows for the list: attention first, then the longest running, then by host. */
export function boardRows(channels: readonly ModerationChannel[], stages: readonly ModerationStage[]): BoardRow[] {
  const byHost = new Map<string, BoardRow>();
  const row = (host: string): BoardRow => {
    let r = byHost.get(host);
    if (!r) {
      r = { host, channel: null, stage: null, needsAttention: false, since: null };
      byHost.set(host, r);
    }
    return r;
  };
  for (const channel of channels) {
    const r = row(channel.host);
    r.channel = channel;
    r.needsAttention = channelNeedsAttention(channel);
  }
  for (const stage of stages) row(stage.host).stage = stage;
  for (const r of byHost.values()) {
    const times = [r.channel?.since, r.stage?.since].filter((t): t is string => !!t).sort();
    r.since = times[0] ?? null;
  }
  const order = bySinceThenName<BoardRow>(
    (r) => r.since,
    (r) => r.host,
  );
  return [...byHost.values()].sort((a, b) => (a.needsAttention !== b.needsAttention ? (a.needsAttention ? -1 : 1) : order(a, b)));
}

/**
 * Adds audit entries (a live `moderation:audit` push or a fetched page) to the list:
 * newest first, each entry once even when the push and the page both carry it.
 */
export function mergeAudit(current: readonly ModerationAuditEntry[], incoming: readonly ModerationAuditEntry[]): ModerationAuditEntry[] {
  const byId = new Map<string, ModerationAuditEntry>();
  for (const entry of current) byId.set(entry.id, entry);
  for (const entry of incoming) byId.set(entry.id, entry);
  return [...byId.values()].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1)).slice(0, AUDIT_KEEP);
}

/** "3 min", "1 h 05 min": how long something has been running ("under a minute" at first; "—" when unknown). */
export function elapsed(since: string | null, now: number): string {
  if (!since) return '—';
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The board's "for …" phrase: "for 12 min", "started just now", or nothing when the start is unknown. */
export function runningFor(since: string | null, now: number): string {
  if (!since) return '';
  const text = elapsed(since, now);
  return text === 'under a minute' ? 'started just now' : `for ${text}`;
}

/**
 * Why a studio is on the board, in words. The server lists a studio while real-time viewing
 * is open, its broadcast is not offline, or someone besides the host is in it: the list, its
 * count and the drill-in all read these facts, so none calls a studio "open" that is not.
 */
type StageLike = Pick<ModerationStage, 'realtime' | 'broadcast'> & { readonly members: readonly unknown[] };
export function stageFacts(stage: StageLike): { realtimeOpen: boolean; broadcasting: boolean; line: string } {
  const realtimeOpen = stage.realtime === 'open';
  const broadcasting = stage.broadcast !== 'offline';
  const people = stage.members.length;
  const parts = [
    realtimeOpen ? 'Open to real-time viewers' : 'Real-time viewing closed',
    {
      offline: 'not broadcasting',
      starting: 'the broadcast is starting',
      live: 'broadcasting',
      stopping: 'the broadcast is stopping',
    }[stage.broadcast],
    `${people} ${people === 1 ? 'person' : 'people'} in the studio`,
  ];
  return { realtimeOpen, broadcasting, line: `${parts.join(', ')}.` };
}

/** The board's summary line: live channels, studios in use, and how many of those real-time viewers can join. */
export function boardSummary(liveChannels: number, stages: readonly StageLike[]): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const open = stages.filter((s) => stageFacts(s).realtimeOpen).length;
  return `${plural(liveChannels, 'live channel', 'live channels')}, ${plural(stages.length, 'studio in use', 'studios in use')} (${open} open to real-time viewers)`;
}
