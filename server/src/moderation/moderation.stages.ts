import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ModerationStage, StudioSnapshot } from '@streamcat/protocol';
import type { Moderator } from '../chat/chat.service';
import { DomainEvents } from '../domain-events/domain-events';
import { StudioService } from '../studio/studio.service';
import { ModerationAuditService } from './moderation-audit.service';
import { stageSince } from './moderation.stage-since';

/** The moderation panel's window on studios: which are open, who is on them, and the two stage actions. */
@Injectable()
export class ModerationStages {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly studio: StudioService,
    private readonly events: DomainEvents,
    private readonly audit: ModerationAuditService,
  ) {}

  async openStages(): Promise<ModerationStage[]> {
    return (await this.studio.listOpenStages()).map(toEntry);
  }

  /** The panel's update for one stage: its entry, or null when it is no longer open. */
  async entry(stageId: string): Promise<{ stage: string; entry: ModerationStage | null }> {
    const snap = await this.studio.snapshot(stageId);
    return { stage: snap.document.stageName, entry: isOpen(snap) ? toEntry(snap) : null };
  }

  onChange(listener: (stageId: string) => void): () => void {
    return this.events.on('studio.changed', (e) => listener(e.stageId));
  }

  /** Disconnects the participant and takes them off the show (StudioService revokes their tokens and invite). */
  async removeMember(actor: Moderator, stageName: string, memberId: string, reason: string): Promise<{ removed: boolean }> {
    const stageId = await this.studio.stageIdOf(stageName);
    const member = (await this.studio.snapshot(stageId)).document.members.find((m) => m.id === memberId);
    const { version } = await this.studio.moderatorRemoveMember({ stageId, memberId, reason, actor });
    await this.record(actor, 'remove-member', stageId, stageName, reason, { memberId, displayName: member?.displayName ?? null, version });
    return { removed: true };
  }

  async closeRealtime(actor: Moderator, stageName: string, reason: string): Promise<{ closed: boolean }> {
    const stageId = await this.studio.stageIdOf(stageName);
    const { version } = await this.studio.moderatorCloseRealtime({ stageId, reason, actor });
    await this.record(actor, 'close-realtime', stageId, stageName, reason, { version });
    return { closed: true };
  }

  // The studio commits in its own transaction; the audit row follows it (a crash between them loses the row, never the action's effect).
  private async record(
    actor: Moderator,
    action: 'remove-member' | 'close-realtime',
    stageId: string,
    stageName: string,
    reason: string,
    details: Record<string, unknown>,
  ) {
    const entry = await this.db.transaction((tx) =>
      this.audit.record(tx, {
        actor,
        action,
        target: { kind: 'stage', id: stageId, name: stageName },
        channel: stageName,
        reason,
        details,
      }),
    );
    this.audit.announce(entry);
  }
}

function isOpen(s: StudioSnapshot): boolean {
  const live = s.document.live;
  return live.realtime.state === 'open' || live.broadcast.state !== 'offline' || s.document.members.length > 1;
}

function toEntry(s: StudioSnapshot): ModerationStage {
  const { live, members } = s.document;
  return {
    stage: s.document.stageName,
    host: s.document.stageName,
    realtime: live.realtime.state,
    broadcast: live.broadcast.state,
    since: stageSince(s.document),
    members: members.map((m) => ({
      memberId: m.id,
      kind: m.kind,
      displayName: m.displayName,
      role: m.role,
      status: m.status,
      mutedInProgramme: m.mutedInProgramme,
    })),
  };
}
