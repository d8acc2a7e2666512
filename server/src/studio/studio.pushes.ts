import { Injectable, Logger } from '@nestjs/common';
import type { StageTokenResponse, StudioChange, StudioMember, StudioSnapshot } from '@streamcat/protocol';
import { DomainEvents } from '../domain-events/domain-events';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';
import type { Stage } from '../stages/stage.entity';
import type { StudioEffect } from './studio.reducer';

/** Personal room of an invite-link guest (green-room admission, removal). */
export const guestRoom = (guestId: string) => `guest:${guestId}`;

/** The room of every socket of this member: the user's, or the link guest's. */
const personalRoom = (member: StudioMember) => (member.kind === 'user' && member.userId ? rooms.user(member.userId) : guestRoom(member.id));

/**
 * Tells everyone concerned about a committed change, on every node: the studio room gets the
 * new document, invitees and link guests their personal news, and the rest of the server a
 * domain event. A failed push never undoes a committed change (clients resync by version).
 */
@Injectable()
export class StudioPushes {
  private readonly log = new Logger('Studio');

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
  ) {}

  toClients(stage: Stage, snapshot: StudioSnapshot, change: StudioChange, effects: StudioEffect[]): void {
    const stageId = stage.id;
    try {
      this.broadcaster.toRoom(rooms.studio(stageId), 'studio:changed', {
        stageId,
        version: snapshot.version,
        change,
        document: snapshot.document,
      });
      for (const e of effects) {
        if (e.kind === 'invite-sent') {
          this.broadcaster.toRoom(rooms.user(e.invite.userId), 'studio:invited', {
            inviteId: e.invite.id,
            stageId,
            stageName: stage.name,
            from: snapshot.document.members.find((x) => x.id === e.invite.invitedBy)?.displayName ?? stage.name,
            role: e.invite.role,
            expiresAt: e.invite.expiresAt,
          });
        } else if (e.kind === 'invite-closed') {
          this.broadcaster.toRoom(rooms.user(e.invite.userId), 'studio:invite-closed', {
            inviteId: e.invite.id,
            stageId,
            reason: e.reason,
          });
        } else if (e.kind === 'admission') {
          this.broadcaster.toRoom(guestRoom(e.guestId), 'studio:admission', { stageId, stageName: stage.name, admitted: e.admitted });
        } else if (e.kind === 'member-removed') {
          const personal = personalRoom(e.member);
          this.broadcaster.toRoom(personal, 'studio:removed', { stageId, reason: e.reason });
          // A guest token is scoped to this stage: nothing else to keep the socket for.
          if (e.member.kind === 'guest') setTimeout(() => this.broadcaster.disconnectRoom(personal), 50).unref();
          else this.broadcaster.io().in(personal).socketsLeave(rooms.studio(stageId));
        }
      }
    } catch (e) {
      this.log.warn(`push after commit failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Each member's new show-stage token, to their own sockets only (every tab of the user, or the link guest). */
  showTokens(stageId: string, minted: { member: StudioMember; token: StageTokenResponse }[]): void {
    for (const { member, token } of minted) {
      try {
        this.broadcaster.toRoom(personalRoom(member), 'studio:show-token', { stageId, token });
      } catch (e) {
        // The member asks for it themselves when it does not come.
        this.log.warn(`show token push failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** For the rest of the server (the moderation panel follows studios this way). */
  /** The composition starts and stops a change asked for, to the cloud programme on this node. */
  compositions(stageId: string, effects: StudioEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'composition-start') this.events.emit('studio.composition', { stageId, start: { attempt: e.attempt } });
      else if (e.kind === 'composition-stop') this.events.emit('studio.composition', { stageId, stop: { arn: e.arn, attempt: e.attempt } });
    }
  }

  announce(stageId: string, version: number): void {
    this.events.emit('studio.changed', { stageId, version });
  }
}
