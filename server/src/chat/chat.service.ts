import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  CHAT_HISTORY_ON_JOIN,
  ChatMessage,
  ChatReplayPage,
  ChatReplayQuery,
  ChatSanction,
  encodePageCursor,
  ErrorDetail,
  ModerationAuditEntry,
} from '@streamcat/protocol';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { ModerationAuditService } from '../moderation/moderation-audit.service';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';
import { canBeSanctioned, CHAT_RATE_WINDOW_MS, decideSend, SanctionRow, strongestSanction } from './chat.rules';

/** A channel as chat needs it. */
export interface ChatChannel {
  id: string;
  name: string;
  ownerId: string;
  isLive: boolean;
  currentStreamId: string | null;
}

export interface Moderator {
  id: string;
  username: string;
}

interface MessageRow {
  id: string;
  channel_name: string;
  stream_id: string | null;
  user_id: string;
  username: string;
  text: string;
  sent_at: Date;
}

const MESSAGE_COLUMNS = `m.id, c.name AS channel_name, m.stream_id, m.user_id, u.username, m.text, m.sent_at
  FROM chat_messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.user_id`;

/**
 * Channel chat: messages kept with the broadcast they belong to, slow mode, and sanctions
 * (bans, time-outs) checked in PostgreSQL on every send, so they hold on every node and tab.
 */
@Injectable()
export class ChatService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly broadcaster: Broadcaster,
    private readonly audit: ModerationAuditService,
    private readonly events: DomainEvents,
  ) {}

  async channel(name: string, tx: EntityManager = this.db.manager): Promise<ChatChannel> {
    const rows = (await tx.query(`SELECT id, name, user_id, is_live, current_stream_id FROM channels WHERE lower(name) = lower($1)`, [
      name,
    ])) as { id: string; name: string; user_id: string; is_live: boolean; current_stream_id: string | null }[];
    const r = rows[0];
    if (!r) throw new AppError('channel/not-found');
    return { id: r.id, name: r.name, ownerId: r.user_id, isLive: r.is_live, currentStreamId: r.current_stream_id };
  }

  /**
   * One sender's sends are serialized by an advisory lock, so the rate limit and slow mode
   * hold even when their tabs sit on different nodes.
   */
  async send(
    sender: { id: string; username: string },
    channel: ChatChannel,
    text: string,
    exemptFromSlowMode: boolean,
  ): Promise<ChatMessage> {
    const row = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('chat-sender:' || $1))`, [sender.id]);
      const [{ now }] = (await tx.query(`SELECT clock_timestamp() AS now`)) as { now: Date }[];
      const sanction = strongestSanction(await this.sanctionRows(tx, sender.id, channel.id), now);
      const recent = (await tx.query(
        `SELECT sent_at, channel_id FROM chat_messages WHERE user_id = $1 AND sent_at > $2::timestamptz - make_interval(secs => $3)`,
        [sender.id, now, CHAT_RATE_WINDOW_MS / 1000],
      )) as { sent_at: Date; channel_id: string }[];
      const settings = (await tx.query(`SELECT slow_mode_seconds FROM chat_settings WHERE channel_id = $1`, [channel.id])) as {
        slow_mode_seconds: number;
      }[];
      const slowModeSeconds = settings[0]?.slow_mode_seconds ?? 0;
      let lastHere: Date | null = null;
      if (slowModeSeconds > 0 && !exemptFromSlowMode) {
        const last = (await tx.query(`SELECT max(sent_at) AS at FROM chat_messages WHERE user_id = $1 AND channel_id = $2`, [
          sender.id,
          channel.id,
        ])) as {
          at: Date | null;
        }[];
        lastHere = last[0]?.at ?? null;
      }
      const refusal = decideSend({
        sanction,
        recentSends: recent.map((r) => r.sent_at),
        lastHere,
        slowModeSeconds,
        exemptFromSlowMode,
        now,
      });
      if (refusal) throw refusalError(refusal);
      // The broadcast it belongs to, read in the same statement so a Stream End racing us cannot split them.
      const inserted = (await tx.query(
        `INSERT INTO chat_messages (channel_id, stream_id, user_id, text)
         SELECT c.id, CASE WHEN c.is_live THEN c.current_stream_id END, $2, $3 FROM channels c WHERE c.id = $1
         RETURNING id`,
        [channel.id, sender.id, text],
      )) as { id: string }[];
      return (await tx.query(`SELECT ${MESSAGE_COLUMNS} WHERE m.id = $1`, [inserted[0].id])) as MessageRow[];
    });
    const message = toMessage(row[0]);
    this.broadcaster.toRoom(rooms.watch(channel.id), 'chat:message', message);
    return message;
  }

  /** The last messages of a channel, oldest first (what a watch page shows on join). */
  async history(channelId: string, limit = CHAT_HISTORY_ON_JOIN): Promise<ChatMessage[]> {
    const rows = (await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} WHERE m.channel_id = $1 AND m.deleted_at IS NULL ORDER BY m.sent_at DESC, m.id DESC LIMIT $2`,
      [channelId, limit],
    )) as MessageRow[];
    return rows.reverse().map(toMessage);
  }

  /** VOD replay: a broadcast's messages (or the whole channel's), oldest first. */
  async replay(channelName: string, query: ChatReplayQuery): Promise<ChatReplayPage> {
    const channel = await this.channel(channelName);
    const params: unknown[] = [channel.id, query.limit + 1];
    const where = ['m.channel_id = $1', 'm.deleted_at IS NULL'];
    if (query.streamId) {
      params.push(query.streamId);
      where.push(`m.stream_id = $${params.length}`);
    }
    if (query.cursor) {
      params.push(query.cursor.at, query.cursor.id);
      where.push(`(m.sent_at, m.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = (await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} WHERE ${where.join(' AND ')} ORDER BY m.sent_at, m.id LIMIT $2`,
      params,
    )) as MessageRow[];
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toMessage),
      nextCursor: rows.length > query.limit && last ? encodePageCursor(last.sent_at, last.id) : null,
    };
  }

  async slowModeSeconds(channelId: string): Promise<number> {
    const rows = (await this.db.query(`SELECT slow_mode_seconds FROM chat_settings WHERE channel_id = $1`, [channelId])) as {
      slow_mode_seconds: number;
    }[];
    return rows[0]?.slow_mode_seconds ?? 0;
  }

  /** The sanction that stops this user sending in this channel now, if any. */
  async sanctionOf(userId: string, channelId: string | null): Promise<ChatSanction | null> {
    const [{ now }] = (await this.db.query(`SELECT clock_timestamp() AS now`)) as { now: Date }[];
    return strongestSanction(await this.sanctionRows(this.db.manager, userId, channelId), now);
  }

  async deleteMessage(actor: Moderator, channel: ChatChannel, messageId: string, reason: string): Promise<{ deleted: boolean }> {
    const entry = await this.db.transaction(async (tx) => {
      const rows = (await tx.query(`SELECT id, user_id, deleted_at FROM chat_messages WHERE id = $1 AND channel_id = $2 FOR UPDATE`, [
        messageId,
        channel.id,
      ])) as { id: string; user_id: string; deleted_at: Date | null }[];
      if (!rows[0]) throw new AppError('chat/message-not-found');
      if (rows[0].deleted_at) return null;
      await tx.query(`UPDATE chat_messages SET deleted_at = clock_timestamp(), deleted_by = $2 WHERE id = $1`, [messageId, actor.id]);
      return this.audit.record(tx, {
        actor,
        action: 'delete-message',
        target: { kind: 'message', id: messageId, name: messageId },
        channel: channel.name,
        reason,
        details: { authorId: rows[0].user_id },
      });
    });
    if (!entry) return { deleted: false };
    this.broadcaster.toRoom(rooms.watch(channel.id), 'chat:deleted', { channel: channel.name, messageId });
    this.audit.announce(entry);
    this.events.emit('chat.message-deleted', { channelId: channel.id, messageId });
    return { deleted: true };
  }

  /** A ban (seconds undefined) or time-out, in one channel or (channel null) site-wide. */
  async sanction(
    actor: Moderator,
    channel: ChatChannel | null,
    username: string,
    input: { kind: 'ban' | 'timeout'; seconds?: number; reason: string },
  ): Promise<ChatSanction> {
    const { sanction, entry, targetId } = await this.db.transaction(async (tx) => {
      const target = await this.user(tx, username);
      if (!canBeSanctioned(target, channel?.ownerId ?? null) || target.id === actor.id) throw new AppError('chat/cannot-sanction');
      const rows = (await tx.query(
        `INSERT INTO chat_sanctions (user_id, channel_id, kind, reason, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::int IS NULL THEN NULL ELSE clock_timestamp() + make_interval(secs => $6::int) END)
         RETURNING expires_at`,
        [target.id, channel?.id ?? null, input.kind, input.reason, actor.id, input.kind === 'timeout' ? (input.seconds ?? null) : null],
      )) as { expires_at: Date | null }[];
      const sanction: ChatSanction = {
        kind: input.kind,
        scope: channel ? 'channel' : 'site',
        reason: input.reason,
        until: rows[0].expires_at?.toISOString() ?? null,
      };
      const entry = await this.audit.record(tx, {
        actor,
        action: channel ? input.kind : 'ban-site',
        target: { kind: 'user', id: target.id, name: target.username },
        channel: channel?.name ?? null,
        reason: input.reason,
        details: { kind: input.kind, ...(input.seconds ? { seconds: input.seconds } : {}), until: sanction.until },
      });
      return { sanction, entry, targetId: target.id };
    });
    this.broadcaster.toRoom(rooms.user(targetId), 'chat:sanction', { channel: channel?.name ?? null, sanction });
    this.audit.announce(entry);
    this.events.emit('chat.sanctioned', { channelId: channel?.id ?? null, userId: targetId, kind: input.kind });
    return sanction;
  }

  /** Lifts a channel's (or, channel null, the site's) bans and time-outs of a user. */
  async lift(actor: Moderator, channel: ChatChannel | null, username: string, reason: string): Promise<{ lifted: number }> {
    const result = await this.db.transaction(async (tx) => {
      const target = await this.user(tx, username);
      const rows = (await tx.query(
        // A CTE so the driver hands back rows (a bare UPDATE … RETURNING comes back as [rows, count]).
        `WITH lifted AS (
           UPDATE chat_sanctions SET lifted_at = clock_timestamp(), lifted_by = $3
           WHERE user_id = $1 AND channel_id IS NOT DISTINCT FROM $2::uuid AND lifted_at IS NULL
             AND (expires_at IS NULL OR expires_at > clock_timestamp())
           RETURNING id)
         SELECT id FROM lifted`,
        [target.id, channel?.id ?? null, actor.id],
      )) as { id: string }[];
      if (rows.length === 0) return { lifted: 0, entry: null as ModerationAuditEntry | null, targetId: target.id };
      const entry = await this.audit.record(tx, {
        actor,
        action: channel ? 'unban' : 'unban-site',
        target: { kind: 'user', id: target.id, name: target.username },
        channel: channel?.name ?? null,
        reason,
        details: { lifted: rows.length },
      });
      return { lifted: rows.length, entry, targetId: target.id };
    });
    if (result.entry) {
      this.broadcaster.toRoom(rooms.user(result.targetId), 'chat:sanction', { channel: channel?.name ?? null, sanction: null });
      this.audit.announce(result.entry);
    }
    return { lifted: result.lifted };
  }

  async setSlowMode(actor: Moderator, channel: ChatChannel, seconds: number, reason: string): Promise<{ seconds: number }> {
    const entry = await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO chat_settings (channel_id, slow_mode_seconds) VALUES ($1, $2)
         ON CONFLICT (channel_id) DO UPDATE SET slow_mode_seconds = EXCLUDED.slow_mode_seconds, updated_at = now()`,
        [channel.id, seconds],
      );
      return this.audit.record(tx, {
        actor,
        action: 'slow-mode',
        target: { kind: 'channel', id: channel.id, name: channel.name },
        channel: channel.name,
        reason,
        details: { seconds },
      });
    });
    this.broadcaster.toRoom(rooms.watch(channel.id), 'chat:slow-mode', { channel: channel.name, seconds });
    this.audit.announce(entry);
    return { seconds };
  }

  private async sanctionRows(tx: EntityManager, userId: string, channelId: string | null): Promise<SanctionRow[]> {
    const rows = (await tx.query(
      `SELECT kind, channel_id, reason, expires_at FROM chat_sanctions
       WHERE user_id = $1 AND lifted_at IS NULL AND (channel_id IS NULL OR channel_id = $2)
         AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [userId, channelId],
    )) as { kind: 'ban' | 'timeout'; channel_id: string | null; reason: string; expires_at: Date | null }[];
    return rows.map((r) => ({ kind: r.kind, channelId: r.channel_id, reason: r.reason, expiresAt: r.expires_at }));
  }

  private async user(tx: EntityManager, username: string): Promise<{ id: string; username: string; role: string }> {
    const rows = (await tx.query(`SELECT id, username, role FROM users WHERE lower(username) = lower($1)`, [username])) as {
      id: string;
      username: string;
      role: string;
    }[];
    if (!rows[0]) throw new AppError('user/not-found');
    return rows[0];
  }
}

function refusalError(r: NonNullable<ReturnType<typeof decideSend>>): AppError {
  if ('sanction' in r) {
    const where = r.sanction.scope === 'site' ? 'from chat on this site' : 'from this chat';
    const what = r.code === 'chat/banned' ? `You are banned ${where}` : `You are timed out ${where} until ${r.sanction.until}`;
    const details: ErrorDetail[] = [
      { path: 'reason', message: r.sanction.reason },
      { path: 'scope', message: r.sanction.scope },
      ...(r.sanction.until ? [{ path: 'until', message: r.sanction.until }] : []),
    ];
    return new AppError(r.code, `${what}. Reason: ${r.sanction.reason}`, details);
  }
  const seconds = Math.ceil(r.retryAfterMs / 1000);
  return new AppError(r.code, undefined, [{ path: 'retryAfterSeconds', message: String(seconds) }]);
}

function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    channel: r.channel_name,
    streamId: r.stream_id,
    user: { id: r.user_id, username: r.username },
    text: r.text,
    sentAt: r.sent_at.toISOString(),
  };
}
