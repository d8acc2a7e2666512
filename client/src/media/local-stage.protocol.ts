/**
 * Wire messages of the local stage websocket (the token's `events_url`). The server side
 * validates them with zod in libs/ivs-emulator/src/media/stage/stage-signalling.schemas.ts;
 * docs/local-media.md is the reference for both.
 */
export interface WireParticipant {
  id: string;
  userId: string;
  attributes: Record<string, string>;
  capabilities: ('publish' | 'subscribe')[];
  isPublishing: boolean;
  audioMuted: boolean;
  videoStopped: boolean;
}

export type StageClientMessage =
  | { t: 'join'; token: string }
  | { t: 'publish'; sdp: string; audioMuted: boolean; videoStopped: boolean }
  | { t: 'unpublish' }
  | { t: 'subscribe'; participantId: string; sdp: string; type: 'audio_only' | 'audio_video' }
  | { t: 'unsubscribe'; participantId: string }
  | { t: 'mute'; audioMuted: boolean; videoStopped: boolean }
  | { t: 'keyframe'; participantId: string }
  | { t: 'leave' };

export type StageServerMessage =
  | { t: 'joined'; self: WireParticipant; sessionId: string; participants: WireParticipant[] }
  | { t: 'participant-joined'; participant: WireParticipant }
  | { t: 'participant-updated'; participant: WireParticipant }
  | { t: 'participant-left'; participantId: string }
  | { t: 'publish-answer'; sdp: string }
  | { t: 'published' }
  | { t: 'subscribe-answer'; participantId: string; sdp: string }
  | {
      t: 'error';
      category: 'JOIN_ERROR' | 'PUBLISH_ERROR' | 'SUBSCRIBE_ERROR';
      code: string;
      message: string;
      participantId?: string;
      fatal: boolean;
    }
  | { t: 'left'; reason: 'user-initiated' | 'token-reused' | 'participant-disconnected' | 'stage-deleted' | 'unknown' };
