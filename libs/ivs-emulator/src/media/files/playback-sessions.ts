import { isIPv4, isIPv6 } from 'node:net';

/**
 * How GetStream's viewerCount is decided. Each player gets a playback session from the channel's
 * playback URL (as IVS playback does); a session counts while its player keeps fetching. One
 * client address may contribute only a few sessions, so new sessions, reloads or varied
 * User-Agents from one client cannot inflate the number.
 */
export interface ViewerCountRules {
  /** A session counts if its player fetched a playlist or segment this recently. */
  activeWindowMs: number;
  /** Sessions one client address (IPv4 address, IPv6 /64) may contribute. */
  perAddressCap: number;
}

export const VIEWER_COUNT_RULES: ViewerCountRules = { activeWindowMs: 15_000, perAddressCap: 3 };

export interface PlaybackSessionSeen {
  address: string;
  lastSeenMs: number;
}

/** Pure: distinct active sessions, at most `perAddressCap` per client address. */
export function countViewers(sessions: Iterable<PlaybackSessionSeen>, nowMs: number, rules: ViewerCountRules): number {
  const perAddress = new Map<string, number>();
  for (const s of sessions) {
    if (nowMs - s.lastSeenMs > rules.activeWindowMs) continue;
    perAddress.set(s.address, (perAddress.get(s.address) ?? 0) + 1);
  }
  let total = 0;
  for (const n of perAddress.values()) total += Math.min(n, rules.perAddressCap);
  return total;
}

/**
 * The address a viewer is counted under: an IPv4 address (IPv4-mapped IPv6 included), or the
 * /64 of an IPv6 address (one subscriber usually holds a whole /64). Unknown shapes stay as given.
 */
export function clientAddressGroup(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const zoneless = ip.split('%')[0]!;
  const [head, tail] = zoneless.includes('::') ? zoneless.split('::') : [zoneless, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Session ids we hand out: 16 random bytes, base64url. */
export const PLAYBACK_SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Sessions seen per channel, by address. Keeps at most `perAddressCap` sessions per address (the
 * least recently seen goes first), so a client minting sessions in a loop costs a fixed amount.
 */
export class PlaybackSessions {
  private readonly channels = new Map<string, Map<string, Map<string, number>>>();

  constructor(private readonly rules: ViewerCountRules = VIEWER_COUNT_RULES) {}

  note(channelId: string, sessionId: string, address: string, nowMs: number): void {
    let byAddress = this.channels.get(channelId);
    if (!byAddress) this.channels.set(channelId, (byAddress = new Map()));
    let sessions = byAddress.get(address);
    if (!sessions) byAddress.set(address, (sessions = new Map()));
    // Re-inserting keeps the Map in least-recently-seen order.
    sessions.delete(sessionId);
    sessions.set(sessionId, nowMs);
    while (sessions.size > this.rules.perAddressCap) sessions.delete(sessions.keys().next().value!);
  }

  count(channelId: string, nowMs: number): number {
    const byAddress = this.channels.get(channelId);
    if (!byAddress) return 0;
    const seen: PlaybackSessionSeen[] = [];
    for (const [address, sessions] of byAddress) {
      for (const [id, lastSeenMs] of sessions) {
        if (nowMs - lastSeenMs > this.rules.activeWindowMs) sessions.delete(id);
        else seen.push({ address, lastSeenMs });
      }
      if (sessions.size === 0) byAddress.delete(address);
    }
    if (byAddress.size === 0) this.channels.delete(channelId);
    return countViewers(seen, nowMs, this.rules);
  }

  /** The stream ended: its players start over with the next one. */
  forget(channelId: string): void {
    this.channels.delete(channelId);
  }
}
