import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { StudioCommands, type CommentTakenDown } from '@streamcat/protocol';
import { ChatService } from '../chat/chat.service';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms, type SocketActor } from '../realtime/socket-actor';
import { COMMENT_FORBIDDEN, CommentCandidate, decideComment } from './studio-comment.rules';
import type { StudioInput } from './studio.handlers';
import { socketChange, StudioWriter } from './studio.writer';

/**
 * Comments on screen: `studio:comment` reads the message from the channel's chat itself (the
 * client names it, never supplies its text), and moderation of the chat (a deleted message, a
 * banned or timed-out author) takes the comment down as a system change, heard through the
 * domain events so chat knows nothing of studios.
 */
@Injectable()
export class StudioComments implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('StudioComments');
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: StudioWriter,
    private readonly chat: ChatService,
    private readonly events: DomainEvents,
    private readonly broadcaster: Broadcaster,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('chat.message-deleted', (e) => void this.takeDown({ messageId: e.messageId }, null)),
      this.events.on('chat.sanctioned', (e) => void this.takeDown({ authorId: e.userId }, e.channelId)),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }

  async show(input: StudioInput<'comment'>, actor: SocketActor): Promise<{ version: number }> {
    let shown: { channelId: string; authorId: string } | null = null;
    const acked = await this.writer.run({
      ...socketChange(StudioCommands.comment.name, input, actor),
      forbidden: COMMENT_FORBIDDEN,
      build: async ({ m, stage, actor: ctx, now }) => {
        if (input.messageId === null) return { type: 'comment', comment: null };
        const channelId = await this.channelOf(m, stage.userId);
        const message = await this.message(m, input.messageId);
        const authorSanction = message && channelId ? await this.chat.sanctionOf(message.author.id, channelId) : null;
        const decided = decideComment({ actor: ctx, channelId: channelId ?? '', message, authorSanction, now });
        if (!decided.ok) throw new AppError(decided.code, decided.message);
        shown = { channelId: channelId!, authorId: decided.comment.author.id };
        return { type: 'comment', comment: decided.comment };
      },
    });
    // A delete or ban that committed while this change was being written found no comment to take
    // down (ours was not committed yet): look once more now that it is, and take it down if so.
    if (shown) await this.recheck(input.messageId!, shown);
    return acked;
  }

  private async recheck(messageId: string, shown: { channelId: string; authorId: string }): Promise<void> {
    const message = await this.message(this.db.manager, messageId);
    if (message?.deleted) return this.takeDown({ messageId }, null);
    if (await this.chat.sanctionOf(shown.authorId, shown.channelId)) return this.takeDown({ authorId: shown.authorId }, shown.channelId);
  }

  /**
   * Every studio whose comment on screen the fact concerns (a sanction in one channel only that
   * channel's studio), each taken down in its own system change; the channel's watch room is then
   * told, so broadcast pages cover the card their delayed picture still shows. Exported for tests.
   */
  async takeDown(fact: CommentTakenDown, channelId: string | null): Promise<void> {
    try {
      // LEFT JOIN: a studio whose owner has no channel still loses the comment (it has no watch room to tell).
      const rows: { stage_id: string; channel_id: string | null; channel_name: string | null }[] =
        'messageId' in fact
          ? await this.db.query(
              `SELECT d.stage_id, c.id AS channel_id, c.name AS channel_name
               FROM studio_documents d JOIN stages s ON s.id = d.stage_id LEFT JOIN channels c ON c.user_id = s.user_id
               WHERE d.document->'layout'->'comment'->>'messageId' = $1`,
              [fact.messageId],
            )
          : await this.db.query(
              `SELECT d.stage_id, c.id AS channel_id, c.name AS channel_name
               FROM studio_documents d JOIN stages s ON s.id = d.stage_id LEFT JOIN channels c ON c.user_id = s.user_id
               WHERE d.document->'layout'->'comment'->'author'->>'id' = $1
                 AND ($2::uuid IS NULL OR c.id = $2::uuid)`,
              [fact.authorId, channelId],
            );
      for (const row of rows) {
        const seen: { messageId?: string; at?: Date } = {};
        const tookItDown = await this.writer
          .run({
            command: 'studio:comment-taken-down',
            stage: { id: row.stage_id },
            actor: { kind: 'system' },
            build: ({ doc, now }) => {
              seen.messageId = doc.layout.comment?.messageId;
              seen.at = now;
              return { type: 'comment-taken-down', fact };
            },
          })
          .then(
            () => true,
            (e: unknown) => {
              // Another node (or a Hide) took it down first: that node tells the watch room, or nobody needs to.
              if (!(e instanceof AppError && e.code === 'studio/invalid-transition')) throw e;
              return false;
            },
          );
        if (tookItDown && seen.messageId && seen.at && row.channel_id && row.channel_name)
          this.tellWatchers(row.channel_id, row.channel_name, { messageId: seen.messageId, at: seen.at });
      }
    } catch (e) {
      this.log.warn(`taking a comment down (${JSON.stringify(fact)}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Only after the commit, and only by the node whose change took the comment down: one push per withdrawal. */
  private tellWatchers(channelId: string, channel: string, withdrawn: { messageId: string; at: Date }): void {
    this.broadcaster.toRoom(rooms.watch(channelId), 'watch:comment-withdrawn', {
      channel,
      messageId: withdrawn.messageId,
      withdrawnAt: withdrawn.at.toISOString(),
    });
  }

  private async channelOf(m: EntityManager, ownerId: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(`SELECT id FROM channels WHERE user_id = $1`, [ownerId]);
    return rows[0]?.id ?? null;
  }

  private async message(m: EntityManager, id: string): Promise<CommentCandidate | null> {
    const rows: { id: string; channel_id: string; user_id: string; username: string; text: string; deleted: boolean }[] = await m.query(
      `SELECT m.id, m.channel_id, m.user_id, u.username, m.text, m.deleted_at IS NOT NULL AS deleted
       FROM chat_messages m JOIN users u ON u.id = m.user_id WHERE m.id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? { id: r.id, channelId: r.channel_id, author: { id: r.user_id, username: r.username }, text: r.text, deleted: r.deleted }
      : null;
  }
}
