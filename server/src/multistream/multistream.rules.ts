import type { MultistreamStatus } from '@streamcat/protocol';

/**
 * The decisions of a multistream relay, pure: its state machine, its backoff, what it tells
 * the host when it fails, and the ffmpeg command. The relay service does the I/O.
 */

/** First retry after 2 s, doubling, at most a minute apart: a platform that is down is not hammered. */
export const RELAY_BACKOFF = { firstMs: 2_000, maxMs: 60_000 } as const;

export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(RELAY_BACKOFF.maxMs, RELAY_BACKOFF.firstMs * 2 ** Math.min(failures - 1, 16));
}

export type RelayEvent =
  /** ffmpeg was started. */
  | { kind: 'started' }
  /** ffmpeg reports media written to the destination. */
  | { kind: 'progress' }
  /** ffmpeg ended without being asked to. */
  | { kind: 'exited'; reason: string }
  /** The relay is no longer wanted (show ended, destination disabled or removed, lease lost). */
  | { kind: 'stopped' };

export const IDLE = (now: Date): MultistreamStatus => ({
  state: 'idle',
  reason: null,
  retryAt: null,
  failures: 0,
  since: now.toISOString(),
});

/**
 * The next status, and when a failed relay is to start again (ms from now). A status that does
 * not change is returned as the same object, so the caller writes and pushes only changes.
 */
export function nextStatus(s: MultistreamStatus, e: RelayEvent, now: Date): { status: MultistreamStatus; retryInMs?: number } {
  const at = now.toISOString();
  switch (e.kind) {
    case 'started':
      // Already connecting (waiting for the playback to appear): nothing new to say.
      if (s.state === 'connecting') return { status: s };
      // The last failure stays visible while the next attempt connects.
      return { status: { ...s, state: 'connecting', retryAt: null, since: at } };
    case 'progress':
      if (s.state === 'live') return { status: s };
      return { status: { state: 'live', reason: null, retryAt: null, failures: 0, since: at } };
    case 'exited': {
      const failures = s.failures + 1;
      const retryInMs = backoffMs(failures);
      return {
        status: { state: 'retrying', reason: e.reason, retryAt: new Date(now.getTime() + retryInMs).toISOString(), failures, since: at },
        retryInMs,
      };
    }
    case 'stopped':
      return { status: s.state === 'idle' ? s : IDLE(now) };
  }
}

/**
 * A sentence for the host from ffmpeg's last error lines: the key (a secret, part of the
 * target URL) is cut out, as are ffmpeg's `[tcp @ 0x…]` prefixes.
 */
export function failureReason(stderr: string, exit: { code: number | null; signal: string | null }, secrets: string[]): string {
  let lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '').trim())
    .filter((l) => l && !/^(Conversion failed!|Exiting normally)/.test(l));
  for (const secret of secrets.filter(Boolean)) lines = lines.map((l) => l.split(secret).join('‹key›'));
  // The most telling line is usually the last one naming a cause.
  const line =
    [...lines].reverse().find((l) => /refused|timed out|error|fail|denied|not found|invalid|unreachable|reset/i.test(l)) ?? lines.at(-1);
  if (line) return line.length > 200 ? `${line.slice(0, 199)}…` : line;
  if (exit.signal) return `the relay was stopped by ${exit.signal}`;
  return exit.code === null ? 'the relay ended' : `the relay ended (ffmpeg exit code ${exit.code})`;
}

/** The RTMP(S) URL ffmpeg publishes to: the destination's URL, then the key as the last path segment. */
export function relayTarget(url: string, key: string): string {
  return `${url.replace(/\/+$/, '')}/${key}`;
}

/**
 * Where a relay reads the programme: the channel's playback URL. Locally that URL is the one
 * browsers use (PUBLIC_URL); the relay reads it from the emulator directly (this process or
 * IVS_EMULATOR_URL), by the same path.
 */
export function relaySource(playbackUrl: string, localBase: string | null): string {
  if (!localBase) return playbackUrl;
  const u = new URL(playbackUrl);
  return `${localBase.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}

/**
 * A master playlist lists renditions; ffmpeg would read them all. The relay copies the best one:
 * the variant with the highest BANDWIDTH, resolved against the playlist's URL. A media playlist
 * (no variants) is itself the answer: null.
 */
export function bestVariant(playlist: string, playlistUrl: string): string | null {
  const lines = playlist.split(/\r?\n/).map((l) => l.trim());
  let best: { bandwidth: number; uri: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const m = /^#EXT-X-STREAM-INF:(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const bandwidth = Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(m[1]!)?.[1] ?? 0);
    const uri = lines.slice(i + 1).find((l) => l && !l.startsWith('#'));
    if (uri && (!best || bandwidth > best.bandwidth)) best = { bandwidth, uri };
  }
  return best ? new URL(best.uri, playlistUrl).toString() : null;
}

/**
 * ffmpeg reads the live HLS as it grows (no `-re`: the playlist paces it) and copies audio and
 * video into FLV without re-encoding (IVS and the local ingest carry H.264 + AAC, what RTMP
 * platforms take). `-progress` on stdout tells the relay when media is flowing.
 */
export function relayArgs(source: string, target: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    // A source that stops answering ends the attempt instead of hanging it (microseconds).
    '-rw_timeout',
    '15000000',
    '-i',
    source,
    '-map',
    '0:v:0?',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-f',
    'flv',
    '-rtmp_live',
    'live',
    target,
  ];
}

/** True when a `-progress` block says media has been written to the destination. */
export function progressShowsMedia(block: Record<string, string>): boolean {
  return Number(block.total_size ?? 0) > 0 && Number(block.out_time_us ?? block.out_time_ms ?? 0) > 0;
}
