import { X264_LIVE_ARGS } from '../ingest/ffmpeg';
import type { CompositionVideo } from './composition-engine';
import type { FitMode, Tile } from './composition-layout';

/** RTP payload types the engine rewrites every forwarded packet to (the SDP names them). */
export const VP8_PAYLOAD_TYPE = 96;
export const OPUS_PAYLOAD_TYPE = 111;

/** One RTP stream into the compose process: a UDP port on loopback (RTCP would go to port + 1). */
export interface RtpInput {
  participantId: string;
  kind: 'audio' | 'video';
  port: number;
}

/** An SDP describing every input as one session: ffmpeg reads them as the streams of one input, in this order. */
export function composeSdp(inputs: RtpInput[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=StreamCat composition', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const i of inputs) {
    if (i.kind === 'video') lines.push(`m=video ${i.port} RTP/AVP ${VP8_PAYLOAD_TYPE}`, `a=rtpmap:${VP8_PAYLOAD_TYPE} VP8/90000`);
    else lines.push(`m=audio ${i.port} RTP/AVP ${OPUS_PAYLOAD_TYPE}`, `a=rtpmap:${OPUS_PAYLOAD_TYPE} opus/48000/2`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

function fitFilter(fit: FitMode, w: number, h: number): string {
  switch (fit) {
    case 'FILL':
      return `scale=${w}:${h}`;
    case 'COVER':
      return `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h}`;
    case 'CONTAIN':
      return `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`;
  }
}

/**
 * The filter graph: a black canvas at the output rate with each tile's video scaled to its
 * fill mode and laid over it (PiP window last), and every audio input mixed over silence.
 * With no live input of a kind, that kind is paced by the wall clock instead.
 */
export function composeFilterGraph(tiles: Tile[], inputs: RtpInput[], video: CompositionVideo): string {
  const index = (participantId: string, kind: 'audio' | 'video') =>
    inputs.findIndex((i) => i.participantId === participantId && i.kind === kind);
  const parts: string[] = [`color=c=black:s=${video.width}x${video.height}:r=${video.framerate},format=yuv420p[bg0]`];
  let layer = 0;
  const drawn = [...tiles].sort((a, b) => a.z - b.z).filter((t) => index(t.participantId, 'video') >= 0);
  for (const t of drawn) {
    const i = index(t.participantId, 'video');
    parts.push(`[0:${i}]${fitFilter(t.fit, t.width, t.height)},setsar=1[t${layer}]`);
    // eof_action=pass: a tile whose input ends leaves the background, the rest goes on.
    parts.push(`[bg${layer}][t${layer}]overlay=x=${t.x}:y=${t.y}:eof_action=pass:format=yuv420[bg${layer + 1}]`);
    layer++;
  }
  parts.push(`[bg${layer}]${drawn.length === 0 ? 'realtime,' : ''}format=yuv420p[vout]`);
  const audio = inputs.map((input, i) => ({ input, i })).filter(({ input }) => input.kind === 'audio');
  if (audio.length === 0) parts.push('anullsrc=r=48000:cl=stereo,arealtime[aout]');
  else {
    for (const { i } of audio) parts.push(`[0:${i}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`);
    parts.push(
      `anullsrc=r=48000:cl=stereo[silence];[silence]${audio.map(({ i }) => `[a${i}]`).join('')}amix=inputs=${audio.length + 1}:duration=first:dropout_transition=0:normalize=0[aout]`,
    );
  }
  return parts.join(';');
}

/**
 * ffmpeg arguments of one compose process: the SDP's RTP inputs (timestamped on arrival, so
 * every input shares one clock and the engine can tell which output frame shows what), the
 * graph, H.264 + AAC at the destination's settings, FLV on stdout.
 */
export function composeArgs(o: { sdpPath?: string; filterGraph: string; video: CompositionVideo }): string[] {
  const { video } = o;
  const input = o.sdpPath
    ? [
        '-protocol_whitelist',
        'file,udp,rtp',
        '-use_wallclock_as_timestamps',
        '1',
        '-analyzeduration',
        '500000',
        '-probesize',
        '200000',
        '-reorder_queue_size',
        '64',
        '-f',
        'sdp',
        '-i',
        o.sdpPath,
      ]
    : [];
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...input,
    '-filter_complex',
    o.filterGraph,
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    ...X264_LIVE_ARGS,
    '-r',
    String(video.framerate),
    '-b:v',
    String(video.bitrate),
    '-maxrate',
    String(video.bitrate),
    '-bufsize',
    String(video.bitrate * 2),
    // A keyframe every second: a new compose process can take over at most a second after it is ready.
    '-g',
    String(video.framerate),
    '-keyint_min',
    String(video.framerate),
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    '48000',
    '-ac',
    '2',
    '-f',
    'flv',
    'pipe:1',
  ];
}
