import { execFile } from 'node:child_process';

/** Where the ffmpeg in use came from: set by the operator, found on the PATH, or shipped in an npm package. */
export type FfmpegSource = 'configured' | 'path' | 'packaged';

export type FfmpegStatus = { ok: true; path: string; source: FfmpegSource; version: string } | { ok: false; message: string };

export interface FfmpegCandidate {
  path: string;
  source: FfmpegSource;
}

const INSTALL_HINT = 'Install it (Debian/Ubuntu: sudo apt-get install ffmpeg) or set FFMPEG_PATH.';

/**
 * Which ffmpeg binaries to try, in order. A configured path is the only one tried (a typo
 * must not silently fall back to another build); otherwise the PATH's, then the packaged one.
 */
export function ffmpegCandidates(o: { ffmpegPath?: string; packagedFfmpegPath?: string }): FfmpegCandidate[] {
  if (o.ffmpegPath) return [{ path: o.ffmpegPath, source: 'configured' }];
  return [
    { path: 'ffmpeg', source: 'path' },
    ...(o.packagedFfmpegPath ? [{ path: o.packagedFfmpegPath, source: 'packaged' as const }] : []),
  ];
}

/** The first candidate that runs, or why none does. A missing or broken binary is a value, never a throw. */
export async function findFfmpeg(candidates: FfmpegCandidate[]): Promise<FfmpegStatus> {
  const failures: string[] = [];
  for (const c of candidates) {
    const r = await probeFfmpeg(c.path);
    if (r.ok) return { ok: true, path: c.path, source: c.source, version: r.version };
    failures.push(c.source === 'path' ? `not on the PATH (${r.why})` : `not usable at "${c.path}" (${r.why})`);
  }
  return { ok: false, message: `ffmpeg is ${failures.join(', and ') || 'not configured'}. ${INSTALL_HINT}` };
}

/**
 * Runs `ffmpeg -version`. Asynchronous on purpose: starting ffmpeg takes from tens of
 * milliseconds to seconds on a busy machine, and a synchronous spawn froze every socket and
 * stage connection of the node for that long.
 */
function probeFfmpeg(path: string): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    // The PATH is looked up in this module's view of the environment (a test may narrow it).
    execFile(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, env: process.env }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve({ ok: false, why: typeof code === 'string' ? code : typeof code === 'number' ? `exit code ${code}` : error.message });
        return;
      }
      resolve({ ok: true, version: (stdout.split('\n')[0] ?? '').replace(/^ffmpeg version\s+/, '').split(' ')[0] ?? '' });
    });
  });
}

export interface IngestCommand {
  /** Container of what arrives on stdin. */
  input: 'webm' | 'flv';
  /** H.264 is copied into HLS untouched; anything else is encoded (ultrafast). */
  videoIsH264: boolean;
  /** Live segment length: what a viewer waits at least, so short (1 s locally). */
  segmentSeconds: number;
  /** Recording segment length (cut on the live segments' keyframes, so never shorter than those). */
  recordingSegmentSeconds: number;
  /** Folder of the live playlist (`live.m3u8`) and its segments. */
  liveDir: string;
  /** Folder of the recording's rendition playlist (`playlist.m3u8`) and segments. */
  recordingRenditionDir: string;
  thumbnailsDir: string;
  thumbnailEverySeconds: number;
  /**
   * A later source of the same stream (a reloaded studio): its ffmpeg appends to the playlists
   * the earlier ones wrote, after a discontinuity, with timestamps carried on from `atSeconds`
   * and thumbnails numbered on from `nextThumbnail`.
   */
  continuing?: { atSeconds: number; nextThumbnail: number };
}

/** H.264 for live output, as fast as x264 goes, without lookahead delay (the ingest's transcode, the composition). */
export const X264_LIVE_ARGS: readonly string[] = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'];

/**
 * ffmpeg arguments for one ingest source: stdin → one encode → (tee) live HLS with short
 * segments in a short sliding playlist + the recording's growing EVENT playlist, and a JPEG thumbnail every N
 * seconds. Neither playlist gets ENDLIST from ffmpeg: a source that drops may be followed by
 * another (append_list, which also marks the discontinuity), and the session finishes the
 * recording itself.
 */
export function ingestArgs(c: IngestCommand): string[] {
  // Copied H.264 keeps the encoder's keyframes (the studio asks MediaRecorder for one a second,
  // the compositor makes one a second); the hls muxer cuts at the first keyframe past each boundary.
  const video = c.videoIsH264 ? ['-c:v', 'copy'] : [...X264_LIVE_ARGS, '-force_key_frames', `expr:gte(t,n_forced*${c.segmentSeconds})`];
  const flags = `independent_segments+omit_endlist${c.continuing ? '+append_list' : ''}`;
  const hls = (seconds: number, opts: string, dir: string, playlist: string, prefix: string) =>
    `[f=hls:hls_time=${seconds}:${opts}:hls_segment_filename=${dir}/${prefix}%d.ts]${dir}/${playlist}`;
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    c.input,
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    ...video,
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    '48000',
    // Players that ignore the discontinuity still see time move forward.
    ...(c.continuing ? ['-output_ts_offset', c.continuing.atSeconds.toFixed(3)] : []),
    '-f',
    'tee',
    [
      // temp_file: a segment appears under its name only once complete (a player never reads half of one).
      // hls_delete_threshold: a segment stays on disk for 6 more segments after it leaves the
      // playlist (RFC 8216 §6.2.2), so a player that read the playlist just before can still fetch it.
      hls(
        c.segmentSeconds,
        `hls_list_size=6:hls_delete_threshold=6:hls_flags=delete_segments+temp_file+${flags}`,
        c.liveDir,
        'live.m3u8',
        'live',
      ),
      hls(
        c.recordingSegmentSeconds,
        `hls_list_size=0:hls_playlist_type=event:hls_flags=${flags}`,
        c.recordingRenditionDir,
        'playlist.m3u8',
        '',
      ),
    ].join('|'),
    '-map',
    '0:v:0',
    '-vf',
    `fps=1/${c.thumbnailEverySeconds},scale=-2:180`,
    '-q:v',
    '6',
    '-f',
    'image2',
    ...(c.continuing ? ['-start_number', String(c.continuing.nextThumbnail)] : []),
    `${c.thumbnailsDir}/thumb%d.jpg`,
  ];
}
