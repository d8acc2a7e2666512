import { Injectable } from '@nestjs/common';
import type { CommandName, StudioSnapshot } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { AppError } from '../http/app-error';
import type { SocketActor } from '../realtime/socket-actor';
import { StudioStages } from '../stages/studio-stages.service';
import { StudioExpirySweeper } from './studio-expiry.sweeper';
import { StudioDocuments } from './studio.documents';
import { resolveStudioRole } from './studio.reducer';
import { StudioWriter } from './studio.writer';

/**
 * The studio as the rest of the server sees it: snapshots to read, and the moderation
 * panel's two actions. Changes go through the one write path (StudioWriter).
 */
@Injectable()
export class StudioService {
  constructor(
    private readonly documents: StudioDocuments,
    private readonly writer: StudioWriter,
    private readonly sweeper: StudioExpirySweeper,
    private readonly stages: StudioStages,
  ) {}

  /** The current snapshot (expired invites already hidden); creates the document on first use. */
  async snapshot(stageId: string): Promise<StudioSnapshot> {
    const row = await this.documents.current({ id: stageId });
    return this.documents.view(row.stageId, row.version, row.document);
  }

  /**
   * `studio:join` / `studio:snapshot`: the snapshot, if the actor may see this studio. A member
   * joining is the studio's first need of its IVS stage: it is made first (a refusal, e.g. the
   * region's stage quota, answers the join and leaves nothing behind, not even the document).
   */
  async snapshotFor(stageName: string, actor: SocketActor, command: CommandName): Promise<StudioSnapshot> {
    const stage = await this.documents.findStage({ name: stageName });
    const stored = await this.documents.peek(stage.id);
    const role = resolveStudioRole(actor, stored?.document ?? { stageId: stage.id, ownerId: stage.userId, members: [] });
    if (!isAllowed(command, role)) throw new AppError('auth/forbidden');
    if (command === 'studio:join' && isMemberRole(role)) await this.stages.ensure(stage);
    const row = await this.documents.current({ id: stage.id });
    return this.documents.view(row.stageId, row.version, row.document);
  }

  async stageIdOf(stageName: string): Promise<string> {
    return (await this.documents.findStage({ name: stageName })).id;
  }

  /** Stages worth a moderator's attention: someone besides the owner seated, real-time open, or a broadcast not offline. */
  listOpenStages(): Promise<StudioSnapshot[]> {
    return this.documents.listOpen();
  }

  // The moderation gateway checked the moderator role; the reducer lets staff act on any member.

  moderatorRemoveMember(input: { stageId: string; memberId: string; reason: string; actor: { id: string } }): Promise<{ version: number }> {
    return this.writer.run({
      command: 'moderation:remove-member',
      stage: { id: input.stageId },
      actor: { kind: 'moderator', userId: input.actor.id },
      build: () => ({ type: 'remove', memberId: input.memberId, reason: input.reason }),
    });
  }

  moderatorCloseRealtime(input: { stageId: string; reason: string; actor: { id: string } }): Promise<{ version: number }> {
    return this.writer.run({
      command: 'moderation:close-realtime',
      stage: { id: input.stageId },
      actor: { kind: 'moderator', userId: input.actor.id },
      build: () => ({ type: 'realtime', open: false }),
    });
  }

  /**
   * A moderator stopping a channel's stream ends the show itself: the studio's switch goes to
   * stopping (so automatic failover does not put it back on air from the cloud) and a cloud
   * programme's composition is stopped with it. Resolves quietly when nothing is on air.
   */
  async moderatorStopBroadcast(input: { stageId: string; actor: { id: string } }): Promise<void> {
    try {
      await this.writer.run({
        command: 'moderation:stop-stream',
        stage: { id: input.stageId },
        actor: { kind: 'moderator', userId: input.actor.id },
        build: () => ({ type: 'broadcast', action: 'stop' }),
      });
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'studio/invalid-transition')) throw e;
    }
  }

  /** Runs one expiry sweep now (the sweeper also runs it every few seconds on every node). */
  sweepExpired(): Promise<number> {
    return this.sweeper.sweep();
  }
}

function isMemberRole(role: string): boolean {
  return role === 'host' || role === 'cohost' || role === 'guest';
}
