import { z } from 'zod';
import { parseJsonFrame } from './json-frames';

/**
 * The local browser ingest's wire: the studio's LocalIngestSink (client/src/media) sends
 * `start` as its first text frame, then the programme as binary frames (MediaRecorder WebM
 * chunks), then `stop`; the emulator's BrowserIngestGateway (libs/ivs-emulator) answers `live`,
 * or `error` then closes, or `ended` when it ends the stream itself. docs/local-media.md.
 */

/** Path of the browser ingest websocket (same origin as the app). */
export const INGEST_SOCKET_PATH = '/_ivs/ingest';
/** Until its stream key is accepted a socket may send only the start message (a few hundred bytes). */
export const INGEST_MAX_MESSAGE_BEFORE_LIVE = 4 * 1024;
/** MediaRecorder chunks of a live programme (a 1 s slice at 2.5 Mbps is ~320 KB). */
export const INGEST_MAX_MESSAGE_LIVE = 4 * 1024 * 1024;
/** Close codes; the reason is also sent as an `error` / `ended` message just before. */
export const INGEST_CLOSE = { refused: 4403, unavailable: 4503, ended: 4000 } as const;

export const IngestClientMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('start'),
    streamKey: z.string().min(1).max(256),
    mimeType: z.string().max(200),
    /**
     * Only carry on the channel's live stream whose encoder went without stopping (a studio page
     * reloaded mid-show): refused when another encoder is sending, or when there is none to carry on.
     */
    resume: z.boolean().optional(),
  }),
  z.object({ t: z.literal('stop') }),
]);
export type IngestClientMessage = z.infer<typeof IngestClientMessage>;

/**
 * Why going live was refused or failed. A `resume` start is refused with SOURCE_CONNECTED while
 * another encoder sends the channel's stream, NOTHING_TO_RESUME when no stream waits for one.
 */
export const IngestErrorCode = z.enum([
  'BAD_MESSAGE',
  'STREAM_KEY_INVALID',
  'INGEST_UNAVAILABLE',
  'INGEST_FAILED',
  'SOURCE_CONNECTED',
  'NOTHING_TO_RESUME',
]);
export type IngestErrorCode = z.infer<typeof IngestErrorCode>;

/**
 * Why the ingest ended a live stream itself: StopStream, input stalled, ffmpeg died, a newer
 * encoder took the channel over, the server shut down. (A `stop` from the browser is not told back.)
 */
export const IngestEndedReason = z.enum(['STOPPED', 'STALLED', 'FAILED', 'TAKEOVER', 'SHUTDOWN']);
export type IngestEndedReason = z.infer<typeof IngestEndedReason>;

export const IngestServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('live'), streamId: z.string().max(128) }),
  z.object({ t: z.literal('error'), code: IngestErrorCode, message: z.string().max(2000) }),
  z.object({ t: z.literal('ended'), reason: IngestEndedReason }),
]);
export type IngestServerMessage = z.infer<typeof IngestServerMessage>;

/** A text frame from the browser, or undefined when it is not a start or a stop. */
export function parseIngestClientMessage(text: string): IngestClientMessage | undefined {
  return parseJsonFrame(text, IngestClientMessage);
}

/** A text frame from the ingest, or undefined when it is not one of the messages above. */
export function parseIngestServerMessage(text: string): IngestServerMessage | undefined {
  return parseJsonFrame(text, IngestServerMessage);
}
