import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BACKSTAGE_HISTORY_LIMIT, BackstageMessage, StudioDocument } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms, SocketActor } from '../realtime/socket-actor';
import { decideBackstage, senderKeyOf } from './backstage-chat.rules';
import { StudioService } from './studio.service';

interface MessageRow {
  id: string;
  stage_id: string;
  member_id: string;
  display_name: string;
  role: BackstageMessage['role'];
  text: string;
  sent_at: Date;
}

const COLUMNS = 'id, stage_id, member_id, display_name, role, text, sent_at';

/**
 * The private chat of the people seated in a studio. Messages are rows of their own (they
 * never bump the studio document's version); the seat check reads the document under a
 * share lock, so a send and a removal of the same person are ordered one way or the other.
 */
@Injectable()
export class BackstageChatService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly studio: StudioService,
    private readonly broadcaster: Broadcaster,
  ) {}

  async send(stageName: string, actor: SocketActor, input: { commandId: string; text: string }): Promise<BackstageMessage> {
    const stageId = await this.studio.stageIdOf(stageName);
    const { row, fresh } = await this.withDocument(stageId, async (m, doc) => {
      const decision = decideBackstage('studio:backstage-send', actor, doc);
      if (!decision.ok) throw new AppError(decision.code, decision.message);
      const member = decision.member!;
      const key = senderKeyOf(member);
      const inserted = (await m.query(
        `INSERT INTO studio_backstage_messages (stage_id, sender_key, command_id, member_id, display_name, role, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT studio_backstage_messages_command_uq DO NOTHING
         RETURNING ${COLUMNS}`,
        [stageId, key, input.commandId, member.id, member.displayName, member.role, input.text],
      )) as MessageRow[];
      if (inserted[0]) return { row: inserted[0], fresh: true };
      // A retry: the first attempt's message is the answer, and nothing is pushed again.
      const first = (await m.query(
        `SELECT ${COLUMNS} FROM studio_backstage_messages WHERE stage_id = $1 AND sender_key = $2 AND command_id = $3`,
        [stageId, key, input.commandId],
      )) as MessageRow[];
      return { row: first[0], fresh: false };
    });
    const message = toMessage(row);
    if (fresh) this.broadcaster.toRoom(rooms.studio(stageId), 'studio:backstage-message', message);
    return message;
  }

  /** Throws the refusal when `actor` may not run `command` on this studio; returns the stage id otherwise. */
  async authorize(command: string, stageName: string, actor: SocketActor): Promise<string> {
    const stageId = await this.studio.stageIdOf(stageName);
    const { document } = await this.studio.snapshot(stageId);
    const decision = decideBackstage(command, actor, document);
    if (!decision.ok) throw new AppError(decision.code, decision.message);
    return stageId;
  }

  /** The latest messages of a studio, oldest first. */
  async latest(stageId: string, limit = BACKSTAGE_HISTORY_LIMIT): Promise<BackstageMessage[]> {
    const rows = (await this.db.query(
      `SELECT ${COLUMNS} FROM studio_backstage_messages WHERE stage_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2`,
      [stageId, limit],
    )) as MessageRow[];
    return rows.reverse().map(toMessage);
  }

  /** Runs `fn` with the studio document share-locked, creating the document first if this stage never had one. */
  private async withDocument<T>(stageId: string, fn: (m: EntityManager, doc: StudioDocument) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await this.db.transaction(async (m) => {
        const rows = (await m.query(`SELECT document FROM studio_documents WHERE stage_id = $1 FOR SHARE`, [stageId])) as {
          document: StudioDocument;
        }[];
        return rows[0] ? { value: await fn(m, rows[0].document) } : null;
      });
      if (out) return out.value;
      await this.studio.snapshot(stageId);
    }
    throw new AppError('stage/not-found');
  }
}

function toMessage(r: MessageRow): BackstageMessage {
  return {
    id: r.id,
    stageId: r.stage_id,
    memberId: r.member_id,
    displayName: r.display_name,
    role: r.role,
    text: r.text,
    sentAt: r.sent_at.toISOString(),
  };
}
