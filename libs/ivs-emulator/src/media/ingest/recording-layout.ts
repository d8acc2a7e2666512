import { randomBytes } from 'node:crypto';

/** The rendition folder under `media/hls/` (we keep the single source rendition). */
export const RECORDING_RENDITION = 'source';

/** `ivs/v1/<account>/<channelId>/<y>/<m>/<d>/<h>/<min>/<recordingId>`, as IVS writes to S3 (UTC, no padding). */
export function recordingKeyPrefix(accountId: string, channelId: string, startedAt: Date, recordingId: string): string {
  const d = startedAt;
  return [
    'ivs',
    'v1',
    accountId,
    channelId,
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    recordingId,
  ].join('/');
}

export function newRecordingId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function masterPlaylist(bandwidth: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},CODECS="avc1.42e01e,mp4a.40.2"`,
    `${RECORDING_RENDITION}/playlist.m3u8`,
    '',
  ].join('\n');
}

/** Turns ffmpeg's EVENT playlist into a finished VOD one (type VOD, ENDLIST present). */
export function finishVodPlaylist(text: string): string {
  let out = text.replace(/#EXT-X-PLAYLIST-TYPE:EVENT/, '#EXT-X-PLAYLIST-TYPE:VOD');
  if (!out.includes('#EXT-X-PLAYLIST-TYPE:')) out = out.replace('#EXTM3U\n', '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n');
  if (!out.includes('#EXT-X-ENDLIST')) out = `${out.replace(/\n*$/, '\n')}#EXT-X-ENDLIST\n`;
  return out;
}

/** Sum of segment durations, in ms. */
export function playlistDurationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/#EXTINF:([\d.]+)/g)) total += Number(m[1]);
  return Math.round(total * 1000);
}

/** The status and times every IVS `events/recording-*.json` document carries (channel, composite and participant recordings alike). */
export function recordingSpanFields(input: { status: string; startedAt: Date; endedAt?: Date; durationMs?: number }) {
  return {
    recording_status: input.status,
    recording_started_at: input.startedAt.toISOString(),
    ...(input.endedAt ? { recording_ended_at: input.endedAt.toISOString() } : {}),
    ...(input.durationMs !== undefined ? { duration_ms: input.durationMs } : {}),
  };
}

/** The `events/recording-*.json` documents IVS writes next to the media. */
export function recordingEventDocument(input: {
  status: 'RECORDING_STARTED' | 'RECORDING_ENDED';
  channelArn: string;
  channelId: string;
  streamId: string;
  recordingId: string;
  startedAt: Date;
  endedAt?: Date;
  durationMs?: number;
}): string {
  return JSON.stringify(
    {
      version: 'v1',
      resource_arn: input.channelArn,
      resource_id: input.channelId,
      stream_id: input.streamId,
      recording_session_id: input.recordingId,
      ...recordingSpanFields(input),
      media: {
        hls: { path: 'media/hls', playlist: 'master.m3u8', renditions: [{ path: RECORDING_RENDITION, playlist: 'playlist.m3u8' }] },
        thumbnails: { path: 'media/thumbnails' },
      },
    },
    null,
    2,
  );
}
