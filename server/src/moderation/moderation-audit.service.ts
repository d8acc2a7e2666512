import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { encodePageCursor, ModerationAction, ModerationAuditEntry, ModerationAuditPage, ModerationAuditQuery } from '@streamcat/protocol';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';

export interface AuditInput {
  actor: { id: string; username: string };
  action: ModerationAction;
  target: ModerationAuditEntry['target'];
  channel?: string | null;
  reason?: string;
  details?: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  actor_id: string | null;
  actor_username: string;
  action: ModerationAction;
  target_kind: ModerationAuditEntry['target']['kind'];
  target_id: string;
  target_name: string;
  channel: string | null;
  reason: string;
  details: Record<string, unknown>;
  at: Date;
}

/** The moderation audit trail: who did what to whom, why and when. Written in the action's own transaction. */
@Injectable()
export class ModerationAuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly broadcaster: Broadcaster,
  ) {}

  /** Insert within the caller's transaction (so no action commits without its row). */
  async record(tx: EntityManager, input: AuditInput): Promise<ModerationAuditEntry> {
    const rows = (await tx.query(
      `INSERT INTO moderation_audit (actor_id, actor_username, action, target_kind, target_id, target_name, channel, reason, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        input.actor.id,
        input.actor.username,
        input.action,
        input.target.kind,
        input.target.id,
        input.target.name,
        input.channel ?? null,
        input.reason ?? '',
        JSON.stringify(input.details ?? {}),
      ],
    )) as AuditRow[];
    return toEntry(rows[0]);
  }

  /** After commit: show the entry on every open moderation panel. */
  announce(entry: ModerationAuditEntry): void {
    this.broadcaster.toRoom(rooms.moderation, 'moderation:audit', entry);
  }

  /** Newest first, keyset-paginated on (at, id). */
  async list(query: ModerationAuditQuery): Promise<ModerationAuditPage> {
    const params: unknown[] = [query.limit + 1];
    let where = '';
    if (query.cursor) {
      params.push(query.cursor.at, query.cursor.id);
      where = 'WHERE (at, id) < ($2::timestamptz, $3::uuid)';
    }
    const rows = (await this.db.query(`SELECT * FROM moderation_audit ${where} ORDER BY at DESC, id DESC LIMIT $1`, params)) as AuditRow[];
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toEntry),
      nextCursor: rows.length > query.limit && last ? encodePageCursor(last.at, last.id) : null,
    };
  }
}

function toEntry(r: AuditRow): ModerationAuditEntry {
  return {
    id: r.id,
    actor: { id: r.actor_id ?? '', username: r.actor_username },
    action: r.action,
    target: { kind: r.target_kind, id: r.target_id, name: r.target_name },
    channel: r.channel,
    reason: r.reason,
    details: r.details,
    at: r.at.toISOString(),
  };
}
