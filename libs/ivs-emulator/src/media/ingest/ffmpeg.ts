import { execFile } from 'node:child_process';

export type FfmpegStatus = { ok: true; version: string } | { ok: false; message: string };

/**
 * Runs `ffmpeg -version`; a missing or broken binary is a value, never a throw. Asynchronous on
 * purpose: starting ffmpeg takes from tens of milliseconds to seconds on a busy machine, and a
 * synchronous spawn froze every socket and stage connection of the node for that long.
 */
export function probeFfmpeg(path: string): Promise<FfmpegStatus> {
  return new Promise((resolve) => {
    execFile(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = typeof code === 'string' ? code : typeof code === 'number' ? `exit code ${code}` : error.message;
        resolve({
          ok: false,
          message: `ffmpeg is not available at "${path}" (${why}). Install it (Debian/Ubuntu: sudo apt-get install ffmpeg) or set FFMPEG_PATH.`,
        });
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
  segmentSeconds: number;
  /** Folder of the live playlist (`live.m3u8`) and its segments. */
  liveDir: string;
  /** Folder of the recording's rendition playlist (`playlist.m3u8`) and segments. */
  recordingRenditionDir: string;
  thumbnailsDir: string;
  thumbnailEverySeconds: number;
}

/**
 * ffmpeg arguments for one ingest: stdin → one encode → (tee) live HLS with a short sliding
 * playlist + the recording's growing EVENT playlist, and a JPEG thumbnail every N seconds.
 */
export function ingestArgs(c: IngestCommand): string[] {
  const video = c.videoIsH264
    ? ['-c:v', 'copy']
    : [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-pix_fmt',
        'yuv420p',
        '-force_key_frames',
        `expr:gte(t,n_forced*${c.segmentSeconds})`,
      ];
  const hls = (opts: string, dir: string, playlist: string, prefix: string) =>
    `[f=hls:hls_time=${c.segmentSeconds}:${opts}:hls_segment_filename=${dir}/${prefix}%d.ts]${dir}/${playlist}`;
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
    '-f',
    'tee',
    [
      hls('hls_list_size=6:hls_flags=delete_segments+independent_segments', c.liveDir, 'live.m3u8', 'live'),
      hls('hls_list_size=0:hls_playlist_type=event:hls_flags=independent_segments', c.recordingRenditionDir, 'playlist.m3u8', ''),
    ].join('|'),
    '-map',
    '0:v:0',
    '-vf',
    `fps=1/${c.thumbnailEverySeconds},scale=-2:180`,
    '-q:v',
    '6',
    '-f',
    'image2',
    `${c.thumbnailsDir}/thumb%d.jpg`,
  ];
}
