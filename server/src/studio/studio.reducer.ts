import { validateLayout } from '@streamcat/layouts';
import {
  commentTakenDownBy,
  decideSeat,
  mayShowComments,
  mayGoOnAir,
  mayShareScreen,
  cloudProgrammeRunning,
  stageCapabilities,
  type ErrorCode,
  type GreenRoomEntry,
  type InviteLinkSummary,
  type LayoutPatch,
  type MemberRole,
  type CommentTakenDown,
  type ProgrammeSource,
  type ScenePatch,
  type StageCapability,
  type StudioComment,
  type StudioChange,
  type StudioDocument,
  type StudioInvite,
  type StudioLayout,
  type StudioMember,
  type BrandPatch,
  patchBrand,
} from '@streamcat/protocol';
import { ActorRole, isAllowed } from '../auth/authorization';
import { beginComposition, endComposition, programmeWrite, showTokenAttributes } from './cloud-programme.rules';
import { nextScene } from './scenes.rules';
import { joinedTheShow, leftTheAir } from './show-stage.rules';

/**
 * The studio's decisions, as pure functions: a document and an action in, the next
 * document, a description of the change and the side effects to run out. The service
 * does the I/O (locking, storing, tokens, pushes) around it.
 */

/** What a command asks for, after the service has resolved names to ids. */
export type StudioAction =
  | { type: 'invite'; invite: StudioInvite }
  | { type: 'revoke-invite'; inviteId: string }
  | { type: 'respond-invite'; inviteId: string; accept: boolean }
  | { type: 'add-link'; link: InviteLinkSummary }
  | { type: 'revoke-link'; linkId: string }
  /**
   * A link holder asks to come in. `knownGuestId`: the guest id their browser showed from an
   * earlier visit to this stage (null for a stranger), so a removed guest is recognised.
   */
  | { type: 'green-room-enter'; entry: GreenRoomEntry; linkUses: number; knownGuestId: string | null }
  | { type: 'admit'; guestId: string; admit: boolean }
  | { type: 'remove'; memberId: string; reason: string }
  | { type: 'set-role'; memberId: string; role: 'cohost' | 'guest' }
  | { type: 'set-status'; memberId: string; status: 'backstage' | 'on-air' }
  | { type: 'layout'; patch: LayoutPatch }
  /** The channel's brand (images already checked to be this studio's uploads). */
  | { type: 'brand'; patch: BrandPatch }
  | { type: 'hand'; raised: boolean }
  /** The acting member starts or stops publishing their screen alongside their camera. */
  | { type: 'screen-share'; sharing: boolean }
  | { type: 'mute'; memberId: string; muted: boolean }
  /** Switch to a scene card or back to the show, edit a card, set or clear the countdown (scenes.rules). */
  | { type: 'scene'; patch: ScenePatch }
  | { type: 'programme-volume'; memberId: string; volume: number }
  | { type: 'broadcast'; action: 'start' | 'stop'; programme?: ProgrammeSource }
  /** Hand the live programme to the cloud, or take it back into the owner's browser. */
  | { type: 'programme'; source: ProgrammeSource }
  | { type: 'failover-setting'; enabled: boolean }
  /** StartComposition answered for this attempt. */
  | { type: 'composition-started'; attempt: string; arn: string }
  /** From the IVS events pipeline (Composition State Change) or the reconciling watch. */
  | {
      type: 'composition-state';
      arn: string | null;
      attempt: string | null;
      state: 'active' | 'stopped' | 'failed';
      at: string;
      note?: string;
    }
  /** The failover watch's verdict on a live browser programme that stopped arriving (see failover.policy). */
  | { type: 'failover'; decision: 'take-over' | 'give-up'; since: string; note?: string }
  /** From the IVS events pipeline: Stream Start / Stream End. */
  | { type: 'broadcast-confirmed'; state: 'live' | 'offline'; at: string }
  /** The go-live watch: still `starting` since `since` and IVS says nothing is live, so the switch goes back, saying why. */
  | { type: 'broadcast-timed-out'; since: string; note: string }
  | { type: 'realtime'; open: boolean }
  /** A host shows a viewers' chat message on screen (the server read it from the chat), or hides it (null). */
  | { type: 'comment'; comment: StudioComment | null }
  /** Moderation took the message (or its author) out of the chat: the comment leaves the screen. */
  | { type: 'comment-taken-down'; fact: CommentTakenDown }
  /** Drops invites and green-room requests whose time is up. */
  | { type: 'expire' };

/** Who changes a studio: a socket's actor, the server itself, or site staff via the moderation panel. */
export type StudioActor =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; role: 'user' | 'moderator' | 'admin' }
  | { kind: 'guest'; guestId: string; stageId: string }
  | { kind: 'system' }
  | { kind: 'moderator'; userId: string };

/** Who acts: a member (by id), a signed-in user without a seat, or the server itself. */
export interface ActorContext {
  role: ActorRole;
  /** The acting member's id when they have a seat. */
  memberId: string | null;
  /** The acting user's id (invitees answer as themselves). */
  userId: string | null;
  /** For the change log: member id, `system` or `moderator:<userId>`. */
  label: string;
}

export type StudioEffect =
  | { kind: 'invite-sent'; invite: StudioInvite }
  | { kind: 'invite-closed'; invite: StudioInvite; reason: 'expired' | 'revoked' | 'accepted' | 'declined' }
  | { kind: 'mint-token'; member: StudioMember; capabilities: StageCapability[] }
  | { kind: 'member-removed'; member: StudioMember; reason: string; linkId: string | null }
  /** Was on air before this change and is not after it (their show-stage participant must go before the ack). */
  | { kind: 'left-air'; member: StudioMember }
  /** Publishes to the show stage from this change on: their show token is minted with it and pushed to them. */
  | { kind: 'show-seat'; member: StudioMember; attributes: Record<string, string> }
  /** Stopped sharing their screen: their screen participants (both stages) go. */
  | { kind: 'screen-stopped'; member: StudioMember }
  | { kind: 'admission'; guestId: string; admitted: boolean }
  | { kind: 'link-revoked'; linkId: string }
  | { kind: 'realtime'; open: boolean }
  /** Start the cloud programme's composition (idempotency token `attempt`). */
  | { kind: 'composition-start'; attempt: string }
  /** Stop it (arn null: StartComposition has not answered yet; whoever records its arn stops it). */
  | { kind: 'composition-stop'; arn: string | null; attempt: string };

export type StudioResult =
  { ok: true; doc: StudioDocument; change: StudioChange; effects: StudioEffect[] } | { ok: false; code: ErrorCode; message?: string };

const SYSTEM_ONLY = new Set<StudioAction['type']>([
  'green-room-enter',
  'broadcast-confirmed',
  'broadcast-timed-out',
  'expire',
  'composition-started',
  'composition-state',
  'failover',
  'comment-taken-down',
]);

/**
 * The actor's role on this studio. A seat in the studio decides first (an owner who is
 * also site staff acts as host here); then site staff; then any signed-in user is a viewer.
 */
export function resolveStudioRole(
  actor:
    | { kind: 'anonymous' }
    | { kind: 'user'; id: string; role: 'user' | 'moderator' | 'admin' }
    | { kind: 'guest'; guestId: string; stageId: string },
  doc: Pick<StudioDocument, 'stageId' | 'ownerId' | 'members'>,
): ActorRole {
  if (actor.kind === 'anonymous') return 'anonymous';
  if (actor.kind === 'guest') {
    if (actor.stageId !== doc.stageId) return 'anonymous';
    const seat = doc.members.find((m) => m.kind === 'guest' && m.id === actor.guestId);
    return seat ? seat.role : 'anonymous';
  }
  if (actor.id === doc.ownerId) return 'host';
  const seat = doc.members.find((m) => m.kind === 'user' && m.userId === actor.id);
  if (seat) return seat.role;
  if (actor.role === 'admin') return 'admin';
  if (actor.role === 'moderator') return 'moderator';
  return 'viewer';
}

/** The actor as the reducer sees them on this studio: role, seat and a label for the change log. */
export function actorContext(actor: StudioActor, doc: StudioDocument): ActorContext {
  if (actor.kind === 'system') return { role: 'admin', memberId: null, userId: null, label: 'system' };
  if (actor.kind === 'moderator') return { role: 'moderator', memberId: null, userId: actor.userId, label: `moderator:${actor.userId}` };
  const memberId = actingMemberId(actor, doc);
  return {
    role: resolveStudioRole(actor, doc),
    memberId,
    userId: actor.kind === 'user' ? actor.id : null,
    label: memberId ?? (actor.kind === 'user' ? `user:${actor.id}` : actor.kind),
  };
}

function actingMemberId(actor: StudioActor, doc: StudioDocument): string | null {
  if (actor.kind === 'user') return doc.members.find((m) => m.kind === 'user' && m.userId === actor.id)?.id ?? null;
  if (actor.kind === 'guest' && actor.stageId === doc.stageId)
    return doc.members.find((m) => m.kind === 'guest' && m.id === actor.guestId)?.id ?? null;
  return null;
}

export function studioMemberOf(
  doc: StudioDocument,
  actor: { kind: 'user'; id: string } | { kind: 'guest'; guestId: string },
): StudioMember | undefined {
  return actor.kind === 'user'
    ? doc.members.find((m) => m.kind === 'user' && m.userId === actor.id)
    : doc.members.find((m) => m.kind === 'guest' && m.id === actor.guestId);
}

/** Earliest moment something in the document expires (drives the sweeper). */
export function nextExpiry(doc: StudioDocument): Date | null {
  const times = [...doc.invites.map((i) => i.expiresAt), ...doc.greenRoom.map((g) => g.expiresAt)].map((t) => Date.parse(t));
  return times.length ? new Date(Math.min(...times)) : null;
}

function fail(code: ErrorCode, message?: string): StudioResult {
  return { ok: false, code, message };
}

/** Applies one action. Never mutates `doc`. */
export function applyStudioCommand(doc: StudioDocument, action: StudioAction, actor: ActorContext, now: Date): StudioResult {
  if (SYSTEM_ONLY.has(action.type) && actor.label !== 'system') return fail('auth/forbidden');
  const d: StudioDocument = structuredClone(doc);
  const at = now.toISOString();
  const effects: StudioEffect[] = [];
  const done = (subject?: string): StudioResult => ({
    ok: true,
    doc: d,
    change: { type: action.type, by: actor.label, at, ...(subject !== undefined ? { subject } : {}) },
    // Whatever the command, leaving the air is one effect: a layout that drops someone counts too.
    effects: [
      ...effects,
      ...leftTheAir(doc, d).map((member) => ({ kind: 'left-air' as const, member })),
      ...joinedTheShow(doc, d).map((member) => ({ kind: 'show-seat' as const, member, attributes: showTokenAttributes(d, member.id) })),
    ],
  });
  const member = (id: string) => d.members.find((m) => m.id === id);
  const isLive = (iso: string) => Date.parse(iso) > now.getTime();

  switch (action.type) {
    case 'invite': {
      const inv = action.invite;
      if (d.members.some((m) => m.userId === inv.userId) || d.invites.some((i) => i.userId === inv.userId && isLive(i.expiresAt)))
        return fail('invite/already-member');
      // Inviting someone again is a deliberate reversal of their removal: the owner's call alone.
      if (isRemoved(d, 'user', inv.userId) && !isOwner(d, actor))
        return fail('auth/forbidden', 'Only the host can invite back someone who was removed from this show.');
      // The host hears at once that a guest could not get a camera; a co-host may still come without one.
      const room = decideSeat(d, inv.role);
      if (!room.ok) return fail(room.code, room.message);
      d.removed = d.removed.filter((r) => !(r.kind === 'user' && r.id === inv.userId));
      d.invites = d.invites.filter((i) => i.userId !== inv.userId);
      d.invites.push(inv);
      effects.push({ kind: 'invite-sent', invite: inv });
      return done(inv.id);
    }
    case 'revoke-invite': {
      const inv = d.invites.find((i) => i.id === action.inviteId);
      if (!inv) return fail('invite/not-found');
      d.invites = d.invites.filter((i) => i !== inv);
      effects.push({ kind: 'invite-closed', invite: inv, reason: 'revoked' });
      return done(inv.id);
    }
    case 'respond-invite': {
      const inv = d.invites.find((i) => i.id === action.inviteId && i.userId === actor.userId);
      if (!inv) return fail('invite/not-found');
      if (!isLive(inv.expiresAt)) return fail('invite/expired');
      // Full since the invite was sent: refused before any media is tried, and the invite stays open.
      const room = action.accept ? decideSeat(d, inv.role) : null;
      if (room && !room.ok) return fail(room.code, room.message);
      d.invites = d.invites.filter((i) => i !== inv);
      if (!action.accept) {
        effects.push({ kind: 'invite-closed', invite: inv, reason: 'declined' });
        return done(inv.id);
      }
      const seat: StudioMember = {
        id: inv.userId,
        kind: 'user',
        userId: inv.userId,
        linkId: null,
        displayName: inv.username,
        role: inv.role,
        status: 'backstage',
        handRaised: false,
        mutedInProgramme: false,
        joinedAt: at,
      };
      d.members.push(seat);
      effects.push(
        { kind: 'invite-closed', invite: inv, reason: 'accepted' },
        { kind: 'mint-token', member: seat, capabilities: stageCapabilities(d, seat.id) },
      );
      return done(seat.id);
    }
    case 'add-link': {
      d.links.push(action.link);
      return done(action.link.id);
    }
    case 'revoke-link': {
      const link = d.links.find((l) => l.id === action.linkId);
      if (!link) return fail('invite/not-found');
      if (link.revoked) return fail('invite/revoked');
      revokeLink(d, link, effects);
      return done(link.id);
    }
    case 'green-room-enter': {
      const link = d.links.find((l) => l.id === action.entry.linkId);
      let entry = action.entry;
      if (action.knownGuestId && isRemoved(d, 'guest', action.knownGuestId)) {
        // A removed guest is back with another link: only a link of the owner's brings them as
        // far as the green room (under their old id, so only the owner can admit them).
        if (!link || link.createdBy !== d.ownerId) return fail('studio/removed');
        if (d.greenRoom.some((g) => g.guestId === action.knownGuestId)) return fail('invite/already-member');
        entry = { ...entry, guestId: action.knownGuestId };
      }
      if (link) link.uses = action.linkUses;
      d.greenRoom.push(entry);
      return done(entry.guestId);
    }
    case 'admit': {
      const entry = d.greenRoom.find((g) => g.guestId === action.guestId);
      if (!entry) return fail('invite/not-found', 'Nobody with that id is waiting in the green room.');
      if (action.admit && isRemoved(d, 'guest', entry.guestId)) {
        if (!isOwner(d, actor)) return fail('auth/forbidden', 'Only the host can let back in someone who was removed from this show.');
        d.removed = d.removed.filter((r) => !(r.kind === 'guest' && r.id === entry.guestId));
      }
      // A full studio keeps the guest waiting in the green room until someone leaves.
      const room = action.admit ? decideSeat(d, 'guest') : null;
      if (room && !room.ok) return fail(room.code, room.message);
      d.greenRoom = d.greenRoom.filter((g) => g !== entry);
      effects.push({ kind: 'admission', guestId: entry.guestId, admitted: action.admit });
      if (action.admit) {
        const seat: StudioMember = {
          id: entry.guestId,
          kind: 'guest',
          userId: null,
          linkId: entry.linkId,
          displayName: entry.displayName,
          role: 'guest',
          status: 'backstage',
          handRaised: false,
          mutedInProgramme: false,
          joinedAt: at,
        };
        d.members.push(seat);
        effects.push({ kind: 'mint-token', member: seat, capabilities: stageCapabilities(d, seat.id) });
      }
      return done(entry.guestId);
    }
    case 'remove': {
      const target = member(action.memberId);
      if (!target) return fail('studio/member-not-found');
      if (target.id === d.ownerId) return fail('studio/cannot-remove-owner');
      if (!outranks(actor, target)) return fail('auth/forbidden', 'A co-host can remove guests only.');
      d.members = d.members.filter((m) => m !== target);
      d.removed = [...d.removed.filter((r) => r.id !== target.id), { id: target.id, kind: target.kind, at }];
      repairLayout(d);
      effects.push({ kind: 'member-removed', member: target, reason: action.reason, linkId: target.linkId });
      // Nothing they opened stays open: the link they came through (so it cannot bring them back
      // as a "new" guest), the links they created and the invites they sent.
      for (const link of d.links.filter((l) => !l.revoked && (l.id === target.linkId || l.createdBy === target.id)))
        revokeLink(d, link, effects);
      for (const invite of d.invites.filter((i) => i.invitedBy === target.id)) {
        d.invites = d.invites.filter((i) => i !== invite);
        effects.push({ kind: 'invite-closed', invite, reason: 'revoked' });
      }
      return done(target.id);
    }
    case 'set-role': {
      const target = member(action.memberId);
      if (!target) return fail('studio/member-not-found');
      if (target.id === d.ownerId) return fail('studio/cannot-remove-owner');
      target.role = action.role;
      return done(target.id);
    }
    case 'set-status': {
      const target = member(action.memberId);
      if (!target) return fail('studio/member-not-found');
      const order = d.layout.order.filter((id) => id !== target.id);
      if (action.status === 'on-air') order.push(target.id);
      return setLayout(d, { ...d.layout, order }, done, target.id);
    }
    case 'layout': {
      const p = action.patch;
      const next: StudioLayout = {
        // Fields a layout patch does not name (the brand, the scene state, the comment on screen) stay as they are.
        ...d.layout,
        name: p.name ?? d.layout.name,
        order: p.order ?? d.layout.order,
        featuredId: p.featuredId !== undefined ? p.featuredId : d.layout.featuredId,
        screenShareId: p.screenShareId !== undefined ? p.screenShareId : d.layout.screenShareId,
        nameTags: p.nameTags ?? d.layout.nameTags,
        banner: p.banner ?? d.layout.banner,
        background: p.background ?? d.layout.background,
      };
      return setLayout(d, next, done);
    }
    case 'brand': {
      d.layout.brand = patchBrand(d.layout.brand, action.patch);
      return done();
    }
    case 'hand': {
      const me = actor.memberId ? member(actor.memberId) : undefined;
      if (!me) return fail('studio/not-member');
      me.handRaised = action.raised;
      return done(me.id);
    }
    case 'screen-share': {
      const me = actor.memberId ? member(actor.memberId) : undefined;
      if (!me) return fail('studio/not-member');
      if (action.sharing) {
        const seat = mayShareScreen(d, me.id);
        if (!seat.ok) return fail(seat.code, seat.message);
        me.screenShare = true;
      } else {
        if (me.screenShare) effects.push({ kind: 'screen-stopped', member: me });
        delete me.screenShare;
      }
      return done(me.id);
    }
    case 'mute': {
      const target = member(action.memberId);
      if (!target) return fail('studio/member-not-found');
      target.mutedInProgramme = action.muted;
      return done(target.id);
    }
    case 'scene': {
      const next = nextScene(d.layout, action.patch, now);
      if (!next.ok) return fail(next.code, next.message);
      d.layout.scene = next.scene;
      return done(next.scene.active);
    }
    case 'programme-volume': {
      const target = member(action.memberId);
      if (!target) return fail('studio/member-not-found');
      target.programmeVolume = action.volume;
      return done(target.id);
    }
    case 'broadcast': {
      const b = d.live.broadcast;
      const programme = programmeWrite(d);
      if (action.action === 'start') {
        if (b.state !== 'offline')
          return fail('studio/invalid-transition', `The broadcast is ${b.state}; it can be started only when offline.`);
        const source = action.programme ?? 'browser';
        // The browser programme is the owner's compositor sending with the owner's stream key.
        if (source === 'browser' && !isOwner(d, actor) && actor.label !== 'system')
          return fail('auth/forbidden', "Only the host's browser sends the programme; go live in the cloud instead.");
        d.live.broadcast = { state: 'starting', since: at };
        programme.source = source;
        delete programme.lostAt;
        if (source === 'cloud') beginComposition(d, 'requested', at, effects);
      } else {
        if (b.state === 'offline' || b.state === 'stopping')
          return fail('studio/invalid-transition', `The broadcast is already ${b.state}.`);
        // Nothing went out yet: no Stream End will come, so stop means offline at once.
        d.live.broadcast = { state: b.state === 'starting' ? 'offline' : 'stopping', since: at };
        delete programme.lostAt;
        endComposition(d, at, effects);
      }
      return done();
    }
    case 'programme': {
      const b = d.live.broadcast;
      const programme = programmeWrite(d);
      if (b.state !== 'live' && b.state !== 'starting')
        return fail('studio/invalid-transition', 'The programme can be handed over only while the show is live.');
      if (programme.source === action.source)
        return fail('studio/invalid-transition', `The programme already comes from the ${action.source}.`);
      if (action.source === 'browser') {
        if (!isOwner(d, actor)) return fail('auth/forbidden', 'Only the host can take the programme back into their browser.');
        programme.source = 'browser';
        // The browser's encoder starts on this ack and takes the channel's stream over; the composition stops behind it.
        endComposition(d, at, effects);
      } else {
        programme.source = 'cloud';
        delete programme.lostAt;
        beginComposition(d, 'requested', at, effects);
      }
      return done(action.source);
    }
    case 'failover-setting': {
      const programme = programmeWrite(d);
      if (programme.failover === action.enabled)
        return fail('studio/invalid-transition', `Failover is already ${action.enabled ? 'on' : 'off'}.`);
      programme.failover = action.enabled;
      return done();
    }
    case 'composition-started': {
      const c = programmeWrite(d).composition;
      if (!c || c.attempt !== action.attempt || c.arn) return fail('studio/invalid-transition');
      c.arn = action.arn;
      // Stopped while StartComposition was on its way: now that it has an arn, stop it.
      if (c.state === 'stopping') effects.push({ kind: 'composition-stop', arn: action.arn, attempt: c.attempt });
      return done(action.arn);
    }
    case 'composition-state': {
      const programme = programmeWrite(d);
      const c = programme.composition;
      // Events are late, repeated and out of order: only the current composition's, never reviving an ended one.
      const current = !!c && ((action.arn !== null && c.arn === action.arn) || (action.attempt !== null && c.attempt === action.attempt));
      if (!c || !current || c.state === 'stopped' || c.state === 'failed') return fail('studio/invalid-transition');
      if (action.state === 'active') {
        if (c.state !== 'starting') return fail('studio/invalid-transition');
        c.state = 'active';
        c.since = action.at;
        return done(c.arn ?? undefined);
      }
      c.state = action.state;
      c.since = action.at;
      if (action.note) c.note = action.note;
      // The cloud was carrying the show: without it the broadcast is over (Stream End may never come for it).
      const b = d.live.broadcast;
      if (programme.source === 'cloud' && b.state !== 'offline') {
        d.live.broadcast = {
          state: 'offline',
          since: action.at,
          ...(action.state === 'failed' && b.state !== 'stopping'
            ? { note: `The cloud programme failed${action.note ? `: ${action.note}` : '.'}` }
            : {}),
        };
      }
      return done(c.arn ?? undefined);
    }
    case 'failover': {
      const b = d.live.broadcast;
      const programme = programmeWrite(d);
      // Only the very show that was judged, still live from the browser.
      if (b.state !== 'live' || b.since !== action.since || programme.source !== 'browser') return fail('studio/invalid-transition');
      if (action.decision === 'take-over') {
        if (!programme.failover) return fail('studio/invalid-transition');
        programme.source = 'cloud';
        delete programme.lostAt;
        beginComposition(d, 'failover', at, effects);
      } else {
        delete programme.lostAt;
        d.live.broadcast = { state: 'offline', since: at, note: action.note ?? "The programme stopped arriving from the host's browser." };
      }
      return done();
    }
    case 'broadcast-confirmed': {
      if (d.live.broadcast.state === action.state) {
        // A Stream Start after the stream was lost (the encoder came back) clears the loss.
        if (action.state === 'live' && d.live.programme?.lostAt) {
          delete programmeWrite(d).lostAt;
          return done();
        }
        return fail('studio/invalid-transition');
      }
      const programme = programmeWrite(d);
      if (action.state === 'offline' && d.live.broadcast.state === 'live') {
        // The cloud programme carries on (or is taking over): the old stream's end is not the show's.
        if (cloudProgrammeRunning(d)) return fail('studio/invalid-transition');
        // Nobody asked to stop: the host's encoder may be reconnecting (a reload on IVS is a new
        // stream), so the failover watch decides: their Stream Start clears it, else the cloud
        // takes over (failover on) or the show ends with a reason (off).
        if (programme.source === 'browser') {
          if (programme.lostAt) return fail('studio/invalid-transition');
          programme.lostAt = action.at;
          return done();
        }
      }
      d.live.broadcast = { state: action.state, since: action.at };
      if (action.state === 'live') delete programme.lostAt;
      return done();
    }
    case 'broadcast-timed-out': {
      // Only the very attempt that was judged: a Start that landed meanwhile, or a new attempt, is left alone.
      const b = d.live.broadcast;
      if (b.state !== 'starting' || b.since !== action.since) return fail('studio/invalid-transition');
      d.live.broadcast = { state: 'offline', since: at, note: action.note };
      endComposition(d, at, effects);
      return done();
    }
    case 'realtime': {
      const want = action.open ? 'open' : 'closed';
      if (d.live.realtime.state === want) return fail('studio/invalid-transition', `Real-time viewing is already ${want}.`);
      d.live.realtime = { state: want, since: at };
      effects.push({ kind: 'realtime', open: action.open });
      return done();
    }
    case 'comment': {
      if (!mayShowComments(actor.role)) return fail('auth/forbidden', 'Only the host or a co-host can put a comment on screen.');
      if (!action.comment && !d.layout.comment) return fail('studio/invalid-transition', 'No comment is on screen.');
      d.layout.comment = action.comment;
      return done(action.comment?.messageId ?? doc.layout.comment?.messageId);
    }
    case 'comment-taken-down': {
      // Idempotent: a second delete, or a ban after the comment was hidden, changes nothing.
      if (!commentTakenDownBy(d.layout.comment, action.fact)) return fail('studio/invalid-transition', 'That comment is not on screen.');
      const gone = d.layout.comment!.messageId;
      d.layout.comment = null;
      return done(gone);
    }
    case 'expire': {
      const expired = d.invites.filter((i) => !isLive(i.expiresAt));
      const stale = d.greenRoom.filter((g) => !isLive(g.expiresAt));
      if (!expired.length && !stale.length) return fail('studio/invalid-transition', 'Nothing has expired.');
      d.invites = d.invites.filter((i) => isLive(i.expiresAt));
      d.greenRoom = d.greenRoom.filter((g) => isLive(g.expiresAt));
      for (const invite of expired) effects.push({ kind: 'invite-closed', invite, reason: 'expired' });
      for (const g of stale) effects.push({ kind: 'admission', guestId: g.guestId, admitted: false });
      return done();
    }
  }
}

/**
 * Whether a retried command (a stored result for this actor, stage and command id) may be
 * answered: only if the actor may still send it now. A removed person never gets an answer;
 * an invitee who accepted holds the seat that answer gave them.
 */
export function mayReplay(command: string, actor: ActorContext, doc: Pick<StudioDocument, 'removed'>): boolean {
  if (actor.userId && isRemoved(doc, 'user', actor.userId)) return false;
  if (isAllowed(command, actor.role)) return true;
  return command === 'studio:invite-respond' && (actor.role === 'guest' || actor.role === 'cohost');
}

function isRemoved(doc: Pick<StudioDocument, 'removed'>, kind: 'user' | 'guest', id: string): boolean {
  return doc.removed.some((r) => r.kind === kind && r.id === id);
}

/** The stage's owner (not a promoted host, not staff): the one who may undo a removal. */
function isOwner(doc: StudioDocument, actor: ActorContext): boolean {
  return actor.userId !== null && actor.userId === doc.ownerId;
}

/** Withdraws a link; whoever waits in the green room through it is sent away. */
function revokeLink(d: StudioDocument, link: InviteLinkSummary, effects: StudioEffect[]): void {
  link.revoked = true;
  const waiting = d.greenRoom.filter((g) => g.linkId === link.id);
  d.greenRoom = d.greenRoom.filter((g) => g.linkId !== link.id);
  for (const g of waiting) effects.push({ kind: 'admission', guestId: g.guestId, admitted: false });
  effects.push({ kind: 'link-revoked', linkId: link.id });
}

/** Hosts remove anyone but the owner; co-hosts remove guests only. */
function outranks(actor: ActorContext, target: StudioMember): boolean {
  const rank: Record<MemberRole, number> = { host: 3, cohost: 2, guest: 1 };
  if (actor.label === 'system' || actor.label.startsWith('moderator:')) return true;
  if (actor.role === 'host') return true;
  return actor.role === 'cohost' && rank[target.role] < rank.cohost;
}

/** Validates a layout with libs/layouts and mirrors its order into member statuses. */
function setLayout(d: StudioDocument, next: StudioLayout, done: (subject?: string) => StudioResult, subject?: string): StudioResult {
  const check = validateLayout({
    layout: next.name,
    members: next.order,
    featuredId: next.featuredId,
    screenShareId: next.screenShareId,
    stageMembers: d.members.map((m) => m.id),
  });
  if (!check.ok) return { ok: false, code: check.code, message: check.message };
  // On air needs a camera on the stage: someone seated without one stays off the programme.
  for (const id of next.order) {
    const camera = mayGoOnAir(d, id);
    if (!camera.ok) return { ok: false, code: camera.code, message: camera.message };
  }
  d.layout = next;
  const onAir = new Set(next.order);
  for (const m of d.members) m.status = onAir.has(m.id) ? 'on-air' : 'backstage';
  return done(subject);
}

/** After someone leaves the programme without a host choosing a new layout: keep it drawable. */
function repairLayout(d: StudioDocument): void {
  const ids = new Set(d.members.map((m) => m.id));
  const l = d.layout;
  l.order = l.order.filter((id) => ids.has(id));
  if (l.featuredId && !l.order.includes(l.featuredId)) l.featuredId = l.order[0] ?? null;
  if (l.screenShareId && !l.order.includes(l.screenShareId)) l.screenShareId = null;
  const ok = validateLayout({ layout: l.name, members: l.order, featuredId: l.featuredId, screenShareId: l.screenShareId });
  if (!ok.ok) l.name = 'grid';
  for (const m of d.members) m.status = l.order.includes(m.id) ? 'on-air' : 'backstage';
}
