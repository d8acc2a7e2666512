import type { CompositionVideo } from './composition-engine';
import { recordingSpanFields } from '../ingest/recording-layout';

/** IVS names a composite recording's rendition folders by height and frame rate (`720p30`). */
export function renditionName(v: CompositionVideo): string {
  return `${v.height}p${v.framerate}`;
}

/** Renditions of one S3 destination, one folder each (two encoder configurations alike share one). */
export function uniqueRenditions(videos: CompositionVideo[]): CompositionVideo[] {
  const seen = new Set<string>();
  return videos.filter((v) => {
    const name = renditionName(v);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

/** `media/hls/multivariant.m3u8`: every rendition, best first. */
export function multivariantPlaylist(videos: CompositionVideo[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of [...videos].sort((a, b) => b.height - a.height)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bitrate + 128_000},RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.framerate.toFixed(3)},CODECS="avc1.42c01f,mp4a.40.2"`,
      `${renditionName(v)}/playlist.m3u8`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * ffmpeg arguments of the recorder: the composite (FLV on stdin, H.264 at `source`) into one
 * HLS rendition per encoder configuration; the rendition that matches the source is copied,
 * the others are scaled and encoded again.
 */
export function recorderArgs(o: {
  dir: string;
  source: CompositionVideo;
  renditions: CompositionVideo[];
  segmentSeconds: number;
}): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0'];
  for (const v of o.renditions) {
    const folder = `${o.dir}/media/hls/${renditionName(v)}`;
    const same = v.width === o.source.width && v.height === o.source.height && v.framerate === o.source.framerate;
    const videoCodec = same
      ? ['-c:v', 'copy']
      : [
          '-vf',
          `scale=${v.width}:${v.height}`,
          '-r',
          String(v.framerate),
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-pix_fmt',
          'yuv420p',
          '-b:v',
          String(v.bitrate),
          '-force_key_frames',
          `expr:gte(t,n_forced*${o.segmentSeconds})`,
        ];
    args.push(
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      ...videoCodec,
      '-c:a',
      'copy',
      '-f',
      'hls',
      '-hls_time',
      String(o.segmentSeconds),
      '-hls_list_size',
      '0',
      '-hls_playlist_type',
      'event',
      '-hls_flags',
      'independent_segments',
      '-hls_segment_filename',
      `${folder}/%d.ts`,
      `${folder}/playlist.m3u8`,
    );
  }
  return args;
}

/** The `events/recording-*.json` documents IVS writes beside a composite recording. */
export function compositeRecordingDocument(input: {
  status: 'RECORDING_STARTED' | 'RECORDING_ENDED' | 'RECORDING_FAILED';
  stageArn: string;
  compositionArn: string;
  renditions: CompositionVideo[];
  startedAt: Date;
  endedAt?: Date;
  durationMs?: number;
}): string {
  return JSON.stringify(
    {
      version: 'v1',
      resource_arn: input.stageArn,
      composition_arn: input.compositionArn,
      ...recordingSpanFields(input),
      media: {
        hls: {
          path: 'media/hls',
          playlist: 'multivariant.m3u8',
          renditions: input.renditions.map((v) => ({
            path: renditionName(v),
            playlist: 'playlist.m3u8',
            resolution_width: v.width,
            resolution_height: v.height,
          })),
        },
      },
    },
    null,
    2,
  );
}
