import { z } from 'zod';
import { parseJsonFrame } from './json-frames';

/**
 * The local stage's wire: one websocket per participant at the token's `events_url`, JSON text
 * frames, signalling and stage events together. The emulator's SFU (libs/ivs-emulator,
 * stage-sessions.service) and the browser's LocalStage (client/src/media/local-stage) both use
 * these definitions; docs/local-media.md describes the exchange.
 */

/** Path of the stage websocket; the emulator writes it into tokens as `events_url`. */
export const STAGE_SOCKET_PATH = '/_ivs/stage/events';
/** An offer sent with the join: a few media sections with their candidates (a larger one is sent after `joined`). */
export const STAGE_MAX_JOIN_OFFER = 16 * 1024;
/** Until its token is accepted a socket may send one join (a token is at most 8 KB, plus an offer to publish at once). */
export const STAGE_MAX_MESSAGE_BEFORE_JOIN = 8 * 1024 + STAGE_MAX_JOIN_OFFER + 1024;
/** Joined participants exchange SDP offers of up to 64 KB. */
export const STAGE_MAX_MESSAGE_JOINED = 128 * 1024;
/**
 * Heartbeat: a joined browser sends `ping` this often and the SFU answers `pong`. Either side
 * that hears nothing from the other for STAGE_HEARTBEAT_DEAD_MS takes the connection for dead
 * (a network that drops silently leaves a socket open for minutes; the ws-level ping frames
 * cannot be seen from a page). A client that never pings is not held to it.
 */
export const STAGE_HEARTBEAT_INTERVAL_MS = 1_000;
export const STAGE_HEARTBEAT_DEAD_MS = 4_000;

/**
 * The heartbeat's one rule, for both ends: nothing heard from the other side for `deadMs` means
 * the connection is dead. Never while this check itself ran late (`sinceLastCheckMs` well over
 * its interval): this side's own loop was stalled, and the other side's frames may be waiting
 * unread behind the timer.
 */
export function heartbeatSilent(input: { silentMs: number; deadMs: number; sinceLastCheckMs: number; checkIntervalMs: number }): boolean {
  if (input.sinceLastCheckMs > input.checkIntervalMs * 2) return false;
  return input.silentMs >= input.deadMs;
}
/** Close codes after a fatal error or a `left` message (4000-4999 are application codes). */
export const STAGE_CLOSE = { refused: 4401, left: 4000, badMessage: 4400 } as const;

const Sdp = z
  .string()
  .min(10)
  .max(64 * 1024);
const ParticipantId = z.string().min(1).max(64);

export const StageClientMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('join'),
    token: z
      .string()
      .min(10)
      .max(8 * 1024),
    /**
     * Publish as soon as the token is accepted, as if `publish` followed `joined` (saves a round
     * trip for a participant that joins in order to publish). Refused like a `publish` when the
     * token may not publish; the join itself stands.
     */
    publish: z
      .object({ sdp: Sdp.max(STAGE_MAX_JOIN_OFFER), audioMuted: z.boolean().default(false), videoStopped: z.boolean().default(false) })
      .optional(),
  }),
  z.object({ t: z.literal('publish'), sdp: Sdp, audioMuted: z.boolean().default(false), videoStopped: z.boolean().default(false) }),
  z.object({ t: z.literal('unpublish') }),
  z.object({ t: z.literal('subscribe'), participantId: ParticipantId, sdp: Sdp, type: z.enum(['audio_only', 'audio_video']) }),
  z.object({ t: z.literal('unsubscribe'), participantId: ParticipantId }),
  z.object({ t: z.literal('mute'), audioMuted: z.boolean(), videoStopped: z.boolean() }),
  z.object({ t: z.literal('keyframe'), participantId: ParticipantId }),
  z.object({ t: z.literal('leave') }),
  /** Heartbeat (STAGE_HEARTBEAT_INTERVAL_MS); `n` is echoed in the pong. */
  z.object({ t: z.literal('ping'), n: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
]);
/** What the server reads (defaults applied). */
export type StageClientMessage = z.infer<typeof StageClientMessage>;
/** What a browser may send (fields with defaults may be left out). */
export type StageClientMessageInput = z.input<typeof StageClientMessage>;

/** What every participant learns about another (the SDK's StageParticipantInfo, minus isLocal). */
export const WireParticipant = z.object({
  id: ParticipantId,
  userId: z.string().max(128),
  /** IVS caps a token's attributes at 1 KB in all. */
  attributes: z.record(z.string().max(1024), z.string().max(1024)),
  capabilities: z.array(z.enum(['publish', 'subscribe'])).max(2),
  isPublishing: z.boolean(),
  audioMuted: z.boolean(),
  videoStopped: z.boolean(),
});
export type WireParticipant = z.infer<typeof WireParticipant>;

export const StageErrorCategory = z.enum(['JOIN_ERROR', 'PUBLISH_ERROR', 'SUBSCRIBE_ERROR']);
export type StageErrorCategory = z.infer<typeof StageErrorCategory>;

export const StageErrorCodeName = z.enum([
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
  'TOKEN_DISCONNECTED',
  'STAGE_DELETED',
  'STAGE_AT_CAPACITY',
  'PUBLISH_NOT_ALLOWED',
  'SUBSCRIBE_NOT_ALLOWED',
  'PARTICIPANT_NOT_PUBLISHING',
  'NOT_JOINED',
  'BAD_MESSAGE',
  'NEGOTIATION_FAILED',
]);
export type StageErrorCodeName = z.infer<typeof StageErrorCodeName>;

/** Mirrors the SDK's StageLeftReason values. */
export const StageLeftReasonName = z.enum(['user-initiated', 'token-reused', 'participant-disconnected', 'stage-deleted', 'unknown']);
export type StageLeftReasonName = z.infer<typeof StageLeftReasonName>;

/** A room of 12 publishers and their subscribers; a joined list longer than this is not ours. */
const MAX_LISTED_PARTICIPANTS = 10_000;

export const StageServerMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('joined'),
    self: WireParticipant,
    sessionId: z.string().max(128),
    participants: z.array(WireParticipant).max(MAX_LISTED_PARTICIPANTS),
  }),
  z.object({ t: z.literal('participant-joined'), participant: WireParticipant }),
  z.object({ t: z.literal('participant-updated'), participant: WireParticipant }),
  z.object({
    t: z.literal('participant-left'),
    participantId: ParticipantId,
    /**
     * The SFU lost them (their socket died without a close, or their heartbeat stopped): they may
     * be back with the same token, so pages say "reconnecting…". False: they left (a closed tab,
     * leave, a removal), so pages say they are gone at once. Absent (older SFU): as if lost.
     */
    lost: z.boolean().optional(),
  }),
  z.object({ t: z.literal('publish-answer'), sdp: Sdp }),
  z.object({ t: z.literal('published') }),
  z.object({ t: z.literal('subscribe-answer'), participantId: ParticipantId, sdp: Sdp }),
  z.object({
    t: z.literal('error'),
    category: StageErrorCategory,
    code: StageErrorCodeName,
    message: z.string().max(2000),
    participantId: ParticipantId.optional(),
    fatal: z.boolean(),
  }),
  z.object({ t: z.literal('left'), reason: StageLeftReasonName }),
  z.object({ t: z.literal('pong'), n: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
]);
export type StageServerMessage = z.infer<typeof StageServerMessage>;

/** A text frame from a browser, or undefined when it is not one of the messages above. */
export function parseStageClientMessage(text: string): StageClientMessage | undefined {
  return parseJsonFrame(text, StageClientMessage);
}

/** A text frame from the SFU, or undefined when it is not one of the messages above. */
export function parseStageServerMessage(text: string): StageServerMessage | undefined {
  return parseJsonFrame(text, StageServerMessage);
}
