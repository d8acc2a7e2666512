import { z } from 'zod';
import { LAYOUT_NAMES } from '@streamcat/layouts';
import { noNul } from './chat';
import { command, CommandId } from './socket';
import { CommentMessageId, StudioComment } from './studio-comment';
import type { StageTokenResponse } from './rest';
import { BrandAssetPath, BrandPatch, StudioBrand } from './studio-brand';
import { ProgrammeVolume, ScenePatch, StudioScene } from './studio-scenes';

/**
 * The studio: one versioned document per stage (roster, invites, green room, layout, live
 * switches), changed only by the commands below. Every change bumps `version` and is
 * pushed to the studio room as `studio:changed`; a client that sees a version gap (or
 * reconnects) calls `studio:join` / `studio:snapshot` again.
 */

export const MEMBER_ROLES = ['host', 'cohost', 'guest'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Default and bounds of a live invite's lifetime (server-enforced). */
export const INVITE_TTL_SECONDS = 600;
export const INVITE_TTL_BOUNDS = { min: 10, max: 3600 } as const;
/** Invite links: how long and how many uses. */
export const LINK_TTL_BOUNDS_MINUTES = { min: 1, max: 7 * 24 * 60 } as const;
export const LINK_MAX_USES = 100;
/** A green-room request is dropped if nobody admits it in this time. */
export const GREEN_ROOM_TTL_SECONDS = 30 * 60;

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid id');
const StageName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid stage name');
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(40, 'must be at most 40 characters')
  .regex(/^[^\p{C}]+$/u, 'must not contain control characters');
const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c');
const ImageUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .url('must be a URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

// ---------------------------------------------------------------- document

export const StudioMember = z.object({
  /** userId for registered users, guestId for invite-link guests. */
  id: z.string(),
  kind: z.enum(['user', 'guest']),
  userId: z.string().nullable(),
  /** The invite link a guest came through (revoked if they are removed). */
  linkId: z.string().nullable(),
  displayName: z.string(),
  role: z.enum(MEMBER_ROLES),
  status: z.enum(['backstage', 'on-air']),
  handRaised: z.boolean(),
  mutedInProgramme: z.boolean(),
  joinedAt: z.string(),
  /**
   * Publishing a screen alongside the camera: a second, PUBLISH-only stage participant from the
   * same browser (its own token, userId = this member id, attribute `screen-share` = "true"),
   * which holds a publisher seat of its own. Set by the member (`studio:screen-share`); the
   * server mints screen tokens only while it is true. Absent (older documents) means false.
   */
  screenShare: z.boolean().optional(),
  /** Their level in the programme mix, 0–100 % (`studio:programme-volume`); absent (older documents) means 100. */
  programmeVolume: ProgrammeVolume.optional(),
});
export type StudioMember = z.infer<typeof StudioMember>;

export const StudioInvite = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string(),
  role: z.enum(['cohost', 'guest']),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type StudioInvite = z.infer<typeof StudioInvite>;

/** An invite-link holder waiting for a host to admit or deny them. */
export const GreenRoomEntry = z.object({
  guestId: z.string(),
  displayName: z.string(),
  linkId: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
});
export type GreenRoomEntry = z.infer<typeof GreenRoomEntry>;

/** An invite link as hosts see it (the code itself is shown once, at creation). */
export const InviteLinkSummary = z.object({
  id: z.string(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  expiresAt: z.string(),
  revoked: z.boolean(),
  /** Member id of who created it: removing that member revokes it. */
  createdBy: z.string().nullable(),
});
export type InviteLinkSummary = z.infer<typeof InviteLinkSummary>;

export const Background = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('colour'), colour: Colour }),
  // An outside http(s) URL, or one of the channel's uploads (same origin: never taints the programme canvas).
  z.strictObject({ kind: z.literal('image'), url: z.union([BrandAssetPath, ImageUrl]) }),
]);
export type Background = z.infer<typeof Background>;

export const Banner = z.strictObject({
  text: z.string().max(200, 'must be at most 200 characters'),
  visible: z.boolean(),
});

export const StudioLayout = z.object({
  name: z.enum(LAYOUT_NAMES),
  /** On-air member ids in programme order (everyone on air, nobody else). */
  order: z.array(z.string()),
  featuredId: z.string().nullable(),
  screenShareId: z.string().nullable(),
  nameTags: z.boolean(),
  banner: Banner,
  background: Background,
  /** The channel's brand; absent in documents stored before brands existed (`brandOf` gives the default). */
  brand: StudioBrand.optional(),
  /** Scene cards and the countdown (studio-scenes.ts); absent in older documents: `sceneOf` gives the default. */
  scene: StudioScene.optional(),
  /** The viewer's comment on screen, if any (absent in documents stored before comments existed). */
  comment: StudioComment.nullable().optional(),
});
export type StudioLayout = z.infer<typeof StudioLayout>;

export const BroadcastState = z.enum(['offline', 'starting', 'live', 'stopping']);
export type BroadcastState = z.infer<typeof BroadcastState>;

/** Where the programme the channel carries is made: the owner's browser (compositor → encoder) or an IVS composition of the show stage. */
export const ProgrammeSource = z.enum(['browser', 'cloud']);
export type ProgrammeSource = z.infer<typeof ProgrammeSource>;

export const CompositionState = z.enum(['starting', 'active', 'stopping', 'stopped', 'failed']);
export type CompositionState = z.infer<typeof CompositionState>;

/**
 * The cloud programme's IVS composition, as the studio knows it: `starting` when asked (arn
 * null until StartComposition answered), then what the Composition State Change events say.
 */
export const CloudComposition = z.object({
  arn: z.string().nullable(),
  state: CompositionState,
  since: z.string(),
  /** A member put it on air, or automatic failover did when the browser programme stopped arriving. */
  reason: z.enum(['requested', 'failover']),
  /** StartComposition's idempotency token for this attempt: a retry (another node, a restart) starts the same one. */
  attempt: z.string(),
  note: z.string().max(500).optional(),
});
export type CloudComposition = z.infer<typeof CloudComposition>;

export const StudioProgramme = z.object({
  source: ProgrammeSource,
  /** Automatic failover to the cloud programme (a studio setting, on by default). */
  failover: z.boolean(),
  composition: CloudComposition.nullable(),
  /** The browser programme's stream ended without the host asking (IVS Stream End): the failover watch decides what follows. */
  lostAt: z.string().optional(),
});
export type StudioProgramme = z.infer<typeof StudioProgramme>;

export const StudioLive = z.object({
  /** `note`: why the switch went back to offline by itself (no stream reached IVS in time), for the host. */
  broadcast: z.object({ state: BroadcastState, since: z.string(), note: z.string().max(500).optional() }),
  realtime: z.object({ state: z.enum(['open', 'closed']), since: z.string() }),
  /** Absent in documents stored before the cloud programme existed: `programmeOf` gives the default. */
  programme: StudioProgramme.optional(),
});
export type StudioLive = z.infer<typeof StudioLive>;

/** The programme settings and state of a studio, with the defaults for older documents. */
export function programmeOf(doc: Pick<StudioDocument, 'live'>): StudioProgramme {
  return doc.live.programme ?? { source: 'browser', failover: true, composition: null };
}

/** Whether a cloud composition is (being) started on the show stage and not yet ending. */
export function cloudProgrammeRunning(doc: Pick<StudioDocument, 'live'>): boolean {
  const c = programmeOf(doc).composition;
  return !!c && (c.state === 'starting' || c.state === 'active');
}

/** People removed from this show: no new token; only the owner can bring them back (a live invite, or admitting them from the green room). */
export const RemovedEntry = z.object({ id: z.string(), kind: z.enum(['user', 'guest']), at: z.string() });

export const StudioDocument = z.object({
  stageId: z.string(),
  stageName: z.string(),
  ownerId: z.string(),
  members: z.array(StudioMember),
  invites: z.array(StudioInvite),
  greenRoom: z.array(GreenRoomEntry),
  links: z.array(InviteLinkSummary),
  layout: StudioLayout,
  live: StudioLive,
  removed: z.array(RemovedEntry),
});
export type StudioDocument = z.infer<typeof StudioDocument>;

/**
 * Whether anyone subscribes to the studio's public show stage now: real-time viewers while
 * real-time viewing is open, or the cloud programme's composition. While nobody needs
 * it, on-air members do not publish there, so their uplink is not doubled for nothing, and the
 * server mints no show-stage publishing token.
 */
export function showStageNeeded(doc: Pick<StudioDocument, 'live'>): boolean {
  return doc.live.realtime.state === 'open' || cloudProgrammeRunning(doc);
}

/** Whether this member publishes to the show stage now: on air, while the show stage is needed. */
export function publishesToShowStage(doc: Pick<StudioDocument, 'live' | 'members'>, memberId: string): boolean {
  return showStageNeeded(doc) && doc.members.some((m) => m.id === memberId && m.status === 'on-air');
}

/**
 * The participant attribute that marks a member's screen-share participant (value "true"). It
 * is the key Amazon IVS server-side composition's screen-share guide names as the grid's
 * `featuredParticipantAttribute`, so a cloud composition can feature the screen as it is.
 */
export const SCREEN_SHARE_ATTRIBUTE = 'screen-share';

/** Whether a stage participant is a member's screen share rather than their camera. */
export function isScreenShareParticipant(attributes: Readonly<Record<string, string>> | undefined): boolean {
  return attributes?.[SCREEN_SHARE_ATTRIBUTE] === 'true';
}

/** Whether this member publishes their screen to the show stage now: on air, sharing, show stage needed. */
export function publishesScreenToShowStage(doc: Pick<StudioDocument, 'live' | 'members'>, memberId: string): boolean {
  return publishesToShowStage(doc, memberId) && doc.members.some((m) => m.id === memberId && m.screenShare === true);
}

/**
 * A stage's studio before anything happened: the owner seated as host (backstage), an empty
 * grid, broadcast off and real-time viewing closed since `now`. The server stores it on first
 * use; clients and specs build the same document from here.
 */
export function initialStudioDocument(input: {
  stageId: string;
  stageName: string;
  ownerId: string;
  ownerName: string;
  now: Date;
}): StudioDocument {
  const at = input.now.toISOString();
  return {
    stageId: input.stageId,
    stageName: input.stageName,
    ownerId: input.ownerId,
    members: [
      {
        id: input.ownerId,
        kind: 'user',
        userId: input.ownerId,
        linkId: null,
        displayName: input.ownerName,
        role: 'host',
        status: 'backstage',
        handRaised: false,
        mutedInProgramme: false,
        joinedAt: at,
      },
    ],
    invites: [],
    greenRoom: [],
    links: [],
    layout: {
      name: 'grid',
      order: [],
      featuredId: null,
      screenShareId: null,
      nameTags: true,
      banner: { text: '', visible: false },
      background: { kind: 'colour', colour: '#101418' },
    },
    live: { broadcast: { state: 'offline', since: at }, realtime: { state: 'closed', since: at } },
    removed: [],
  };
}

export interface StudioSnapshot {
  stageId: string;
  version: number;
  document: StudioDocument;
}

/** What a change was, for activity lines and for clients that patch instead of replace. */
export interface StudioChange {
  type: string;
  /** Member id of who did it, or `system` (events pipeline, expiry) / `moderator:<userId>`. */
  by: string;
  at: string;
  /** The member, invite, link or guest the change is about, when there is one. */
  subject?: string;
}

// ---------------------------------------------------------------- commands

/** Fields every state-changing studio command carries. */
const base = {
  stage: StageName,
  commandId: CommandId,
  /** When given and stale, the command is refused with `studio/version-conflict` + the snapshot. */
  expectedVersion: z.number().int().nonnegative().optional(),
};

export const LayoutPatch = z
  .strictObject({
    name: z.enum(LAYOUT_NAMES).optional(),
    order: z.array(Id).max(64).optional(),
    featuredId: Id.nullable().optional(),
    screenShareId: Id.nullable().optional(),
    nameTags: z.boolean().optional(),
    banner: Banner.optional(),
    background: Background.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one layout field to change');
export type LayoutPatch = z.infer<typeof LayoutPatch>;

export const StudioCommands = {
  /** Enter the studio room and get the snapshot. */
  join: command<StudioSnapshot>()('studio:join', z.strictObject({ stage: StageName })),
  /** The snapshot without joining (after a version gap). */
  snapshot: command<StudioSnapshot>()('studio:snapshot', z.strictObject({ stage: StageName })),
  /** Leave the room. Never flips a live switch. */
  leave: command<{ left: true }>()('studio:leave', z.strictObject({ stage: StageName })),

  invite: command<{ version: number; inviteId: string }>()(
    'studio:invite',
    z.strictObject({
      ...base,
      username: z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9_-]{3,32}$/, 'is not a valid username'),
      role: z.enum(['cohost', 'guest']),
      expiresInSeconds: z.number().int().min(INVITE_TTL_BOUNDS.min).max(INVITE_TTL_BOUNDS.max).optional(),
    }),
  ),
  revokeInvite: command<{ version: number }>()('studio:invite-revoke', z.strictObject({ ...base, inviteId: Id })),
  /** The invitee's answer (from any of their tabs). */
  respondInvite: command<{ version: number; accepted: boolean }>()(
    'studio:invite-respond',
    z.strictObject({ ...base, inviteId: Id, accept: z.boolean() }),
  ),
  createLink: command<{ version: number; linkId: string; code: string; expiresAt: string }>()(
    'studio:link-create',
    z.strictObject({
      ...base,
      maxUses: z.number().int().min(1).max(LINK_MAX_USES),
      expiresInMinutes: z.number().int().min(LINK_TTL_BOUNDS_MINUTES.min).max(LINK_TTL_BOUNDS_MINUTES.max),
    }),
  ),
  revokeLink: command<{ version: number }>()('studio:link-revoke', z.strictObject({ ...base, linkId: Id })),
  /** Admit or deny a green-room guest. */
  admit: command<{ version: number }>()('studio:admit', z.strictObject({ ...base, guestId: Id, admit: z.boolean() })),
  remove: command<{ version: number }>()(
    'studio:remove',
    z.strictObject({ ...base, memberId: Id, reason: z.string().max(200).optional() }),
  ),
  setRole: command<{ version: number }>()('studio:set-role', z.strictObject({ ...base, memberId: Id, role: z.enum(['cohost', 'guest']) })),
  setStatus: command<{ version: number }>()(
    'studio:set-status',
    z.strictObject({ ...base, memberId: Id, status: z.enum(['backstage', 'on-air']) }),
  ),
  layout: command<{ version: number }>()('studio:layout', z.strictObject({ ...base, patch: LayoutPatch }), 8 * 1024),
  raiseHand: command<{ version: number }>()('studio:hand', z.strictObject({ ...base, raised: z.boolean() })),
  /** The caller starts or stops sharing their screen (refused with `studio/full` when no publisher seat is free for it). */
  screenShare: command<{ version: number }>()('studio:screen-share', z.strictObject({ ...base, sharing: z.boolean() })),
  /** The channel's brand: colour, lower-third style, logo and overlay (uploads). */
  brand: command<{ version: number }>()('studio:brand', z.strictObject({ ...base, patch: BrandPatch }), 8 * 1024),
  mute: command<{ version: number }>()('studio:mute', z.strictObject({ ...base, memberId: Id, muted: z.boolean() })),
  /** Broadcast intent; `live` / `offline` are confirmed by the IVS Stream Start / End events. */
  broadcast: command<{ version: number }>()(
    'studio:broadcast',
    // `programme`: where a start is made (default the owner's browser; co-hosts go live in the cloud).
    z.strictObject({ ...base, action: z.enum(['start', 'stop']), programme: ProgrammeSource.optional() }),
  ),
  /** Hand the live programme to the cloud, or take it back into the owner's browser (owner only). */
  programme: command<{ version: number }>()('studio:programme', z.strictObject({ ...base, source: ProgrammeSource })),
  /** Automatic failover to the cloud programme on or off. */
  failover: command<{ version: number }>()('studio:failover', z.strictObject({ ...base, enabled: z.boolean() })),
  /** Switch the programme between the show and a scene card, edit a card, set or clear the countdown. */
  scene: command<{ version: number }>()('studio:scene', z.strictObject({ ...base, patch: ScenePatch })),
  /** A member's level in the programme mix (viewers only; on stage everyone hears everyone as they are). */
  programmeVolume: command<{ version: number }>()(
    'studio:programme-volume',
    z.strictObject({ ...base, memberId: Id, volume: ProgrammeVolume }),
  ),
  /** Show a viewers' chat message on screen (replacing any other), or take it off (null). */
  comment: command<{ version: number }>()('studio:comment', z.strictObject({ ...base, messageId: CommentMessageId })),
  /** Real-time viewing gate; closing disconnects real-time viewers. */
  realtime: command<{ version: number }>()('studio:realtime', z.strictObject({ ...base, open: z.boolean() })),
};

// ---------------------------------------------------------------- backstage chat

/** Longest backstage message, in characters (after trimming). */
export const BACKSTAGE_MAX_CHARS = 500;
/** How many of the latest backstage messages `studio:backstage-history` returns. */
export const BACKSTAGE_HISTORY_LIMIT = 100;

/**
 * A message in a studio's private backstage chat. Name and role are as they were when it was
 * sent, so the history still reads right after someone leaves or changes role.
 */
export const BackstageMessage = z.object({
  id: z.string(),
  stageId: z.string(),
  /** The sender's member id (user id, or guest id for an invite-link guest). */
  memberId: z.string(),
  displayName: z.string(),
  role: z.enum(MEMBER_ROLES),
  text: z.string(),
  sentAt: z.string(),
});
export type BackstageMessage = z.infer<typeof BackstageMessage>;

/**
 * The backstage chat: only people seated in the studio write in it; site staff may read it.
 * Kept apart from StudioCommands because it never touches the versioned document.
 */
export const BackstageCommands = {
  /** Retrying with the same `commandId` returns the first message and stores nothing new. */
  send: command<BackstageMessage>()(
    'studio:backstage-send',
    z.strictObject({
      stage: StageName,
      commandId: CommandId,
      text: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(BACKSTAGE_MAX_CHARS, `must be at most ${BACKSTAGE_MAX_CHARS} characters`)
        .refine(noNul, 'must not contain NUL characters'),
    }),
    8 * 1024,
  ),
  /** The latest messages, oldest first. Joins the studio room before reading, so no later message is missed. */
  history: command<{ messages: BackstageMessage[] }>()('studio:backstage-history', z.strictObject({ stage: StageName })),
};

// ---------------------------------------------------------------- server events

export interface StudioServerEvents {
  /** To `studio:<stageId>`: every committed change, with the whole new document. */
  'studio:changed': { stageId: string; version: number; change: StudioChange; document: StudioDocument };
  /** To every tab of the invited user. */
  'studio:invited': { inviteId: string; stageId: string; stageName: string; from: string; role: 'cohost' | 'guest'; expiresAt: string };
  /** To every tab of the invited user: the invite is no longer open. */
  'studio:invite-closed': { inviteId: string; stageId: string; reason: 'expired' | 'revoked' | 'accepted' | 'declined' };
  /** To a waiting invite-link guest. */
  'studio:admission': { stageId: string; stageName: string; admitted: boolean };
  /** To the removed person's sockets, just before they leave the studio room. */
  'studio:removed': { stageId: string; reason: string };
  /** To `studio:<stageId>`: a new backstage chat message. */
  'studio:backstage-message': BackstageMessage;
  /** To `studio:<stageId>`: how far disconnecting participants has come (closing real-time viewing, removals). */
  'studio:disconnects': StageDisconnectProgress;
  /**
   * To the member's own sockets, just before the change that puts them on the show stage: their
   * PUBLISH-only show-stage token (the same one `POST /api/stages/:name/show-token` answers).
   */
  'studio:show-token': { stageId: string; token: StageTokenResponse };
}

/**
 * Participants being disconnected from the stage after one change, a few per second as IVS
 * allows: `done` of `total` so far (`failed` of them could not be, after every retry).
 */
export interface StageDisconnectProgress {
  stageId: string;
  batchId: string;
  /**
   * `member-off-air`: a member left the air, so their show-stage participant was disconnected;
   * `screen-stopped`: a member stopped sharing, so their screen participants were.
   */
  reason: 'realtime-closed' | 'member-removed' | 'member-off-air' | 'screen-stopped';
  done: number;
  failed: number;
  total: number;
  finished: boolean;
}

// ---------------------------------------------------------------- REST (invite links, tokens)

export const InviteCode = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'is not a valid invite code');

export const InviteLinkInfo = z.object({
  stageName: z.string(),
  hostUsername: z.string(),
  expiresAt: z.string(),
  usesLeft: z.number().int(),
});
export type InviteLinkInfo = z.infer<typeof InviteLinkInfo>;

export const JoinInviteRequest = z.strictObject({ displayName: DisplayName });
export type JoinInviteRequest = z.infer<typeof JoinInviteRequest>;

/** The guest token authenticates the green-room guest's socket (`auth.guestToken`) and REST token call. */
export const JoinInviteResponse = z.object({ guestId: z.string(), guestToken: z.string(), stageName: z.string(), stageId: z.string() });
export type JoinInviteResponse = z.infer<typeof JoinInviteResponse>;
