import { z } from 'zod';

/**
 * The local stage's wire protocol: one websocket at the token's `events_url`, JSON text
 * frames. Described in docs/local-media.md; the browser side is client/src/media/local-stage.
 */
const sdp = z
  .string()
  .min(10)
  .max(64 * 1024);
const participantId = z.string().min(1).max(64);

export const StageClientMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('join'),
    token: z
      .string()
      .min(10)
      .max(8 * 1024),
  }),
  z.object({ t: z.literal('publish'), sdp, audioMuted: z.boolean().default(false), videoStopped: z.boolean().default(false) }),
  z.object({ t: z.literal('unpublish') }),
  z.object({ t: z.literal('subscribe'), participantId, sdp, type: z.enum(['audio_only', 'audio_video']) }),
  z.object({ t: z.literal('unsubscribe'), participantId }),
  z.object({ t: z.literal('mute'), audioMuted: z.boolean(), videoStopped: z.boolean() }),
  z.object({ t: z.literal('keyframe'), participantId }),
  z.object({ t: z.literal('leave') }),
]);
export type StageClientMessage = z.infer<typeof StageClientMessage>;

/** What every participant learns about another (the SDK's StageParticipantInfo, minus isLocal). */
export interface WireParticipant {
  id: string;
  userId: string;
  attributes: Record<string, string>;
  capabilities: ('publish' | 'subscribe')[];
  isPublishing: boolean;
  audioMuted: boolean;
  videoStopped: boolean;
}

export type StageErrorCategory = 'JOIN_ERROR' | 'PUBLISH_ERROR' | 'SUBSCRIBE_ERROR';
export type StageErrorCodeName =
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'TOKEN_DISCONNECTED'
  | 'STAGE_DELETED'
  | 'STAGE_AT_CAPACITY'
  | 'PUBLISH_NOT_ALLOWED'
  | 'SUBSCRIBE_NOT_ALLOWED'
  | 'PARTICIPANT_NOT_PUBLISHING'
  | 'NOT_JOINED'
  | 'BAD_MESSAGE'
  | 'NEGOTIATION_FAILED';

/** Mirrors the SDK's StageLeftReason values. */
export type StageLeftReasonName = 'user-initiated' | 'token-reused' | 'participant-disconnected' | 'stage-deleted' | 'unknown';

export type StageServerMessage =
  | { t: 'joined'; self: WireParticipant; sessionId: string; participants: WireParticipant[] }
  | { t: 'participant-joined'; participant: WireParticipant }
  | { t: 'participant-updated'; participant: WireParticipant }
  | { t: 'participant-left'; participantId: string }
  | { t: 'publish-answer'; sdp: string }
  | { t: 'published' }
  | { t: 'subscribe-answer'; participantId: string; sdp: string }
  | { t: 'error'; category: StageErrorCategory; code: StageErrorCodeName; message: string; participantId?: string; fatal: boolean }
  | { t: 'left'; reason: StageLeftReasonName };

/** Close codes used after a fatal error or a `left` message (4000-4999 are application codes). */
export const STAGE_CLOSE = { refused: 4401, left: 4000, badMessage: 4400 } as const;
