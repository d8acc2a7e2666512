import type { BroadcastState, HealthResponse } from '@streamcat/protocol';

/**
 * One line for the owner's go-live panel in local mode: which ffmpeg will encode the broadcast
 * (the server's health report), or that going live will fail without one. Null when unknown.
 */
export function encoderNote(ffmpeg: HealthResponse['ffmpeg']): string | null {
  if (!ffmpeg) return null;
  if (ffmpeg.status === 'missing') return 'Going live will fail: the server has no ffmpeg to encode the broadcast.';
  const version = ffmpeg.version ? ` ${ffmpeg.version}` : '';
  switch (ffmpeg.source) {
    case 'packaged':
      return `Encoder: the ffmpeg${version} packaged with StreamCat (no ffmpeg is installed on the server).`;
    case 'configured':
      return `Encoder: ffmpeg${version} (FFMPEG_PATH).`;
    default:
      return `Encoder: ffmpeg${version}, installed on the server.`;
  }
}

/** What the owner's page does with its encoder (the broadcast sink) when the switch or the page changes. */
export type EncoderStep = 'start' | 'resume' | 'stop' | 'release' | 'none';

/**
 * The owner's page sends the programme while the broadcast is starting or live. A page that
 * finds the show live with no encoder of its own (it was reloaded mid-show) resumes at once: the
 * ingest carries the same stream and recording on when it comes back within its grace.
 * `sender`: this page may send (the owner, with the channel and its key); `encoder`: it has a
 * sink started or starting.
 */
export function encoderStep(input: {
  sender: boolean;
  state: BroadcastState | undefined;
  encoder: boolean;
  /**
   * The cloud programme carries the channel, or its composition is still running down after the
   * host took the programme back: the browser sends nothing until it has stopped, then resumes
   * into the same stream (the ingest refuses a second source while one is connected).
   */
  cloud?: boolean;
}): EncoderStep {
  const { sender, state, encoder } = input;
  if (!sender || !state) return 'none';
  // Handing over, the page lets go without ending the stream: the composition's feed carries it on (the ingest's grace).
  if (input.cloud) return encoder ? (state === 'stopping' || state === 'offline' ? 'stop' : 'release') : 'none';
  if (!encoder && state === 'starting') return 'start';
  if (!encoder && state === 'live') return 'resume';
  if (encoder && (state === 'stopping' || state === 'offline')) return 'stop';
  return 'none';
}

/** Leaving the page interrupts the show (and ends it unless the page is back within the grace): the browser asks first. */
export function warnsBeforeLeaving(input: { encoder: boolean; state: BroadcastState | undefined }): boolean {
  return input.encoder && (input.state === 'starting' || input.state === 'live');
}

const SINK_SENTENCES: Record<string, string> = {
  INGEST_UNAVAILABLE: 'The broadcast could not start: the server’s video encoder (ffmpeg) is missing.',
  STREAM_KEY_INVALID: 'The broadcast was refused: the stream key is not valid any more. Rotate it on My channel.',
  UNSUPPORTED_BROWSER: 'This browser cannot send a broadcast. Use a recent Chrome, Edge or Firefox.',
  CONNECTION_LOST: 'The connection to the ingest was lost and could not be made again; the broadcast stopped.',
  NETWORK_TOO_SLOW: 'Your upload cannot keep up with the broadcast; it was stopped.',
  STOPPED_BY_SERVER: 'The broadcast was stopped by the server (a moderator may have ended it).',
  TAKEOVER: 'Another window or device took over sending this broadcast; this page only previews it now.',
  SOURCE_CONNECTED: 'Another window or device is sending this broadcast; this page only previews it.',
  NOTHING_TO_RESUME: 'The broadcast ended while this page was away. Go live again to start a new one.',
};

/** What the owner reads when the sink failed or was stopped by the server (`message`: the sink's own words). */
export function sinkErrorSentence(error: { code?: string; message?: string }): string {
  return (error.code && SINK_SENTENCES[error.code]) ?? error.message ?? 'The broadcast could not start.';
}

/**
 * Whether this page's sink failing means the show is over (the switch goes to offline). Not
 * when another encoder carries the stream: ending it from here would cut that one off too.
 */
export function sinkErrorStopsBroadcast(code: string | undefined): boolean {
  return code !== 'TAKEOVER' && code !== 'SOURCE_CONNECTED';
}
