import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import type { Socket } from 'socket.io';
import { DataSource } from 'typeorm';
import type { ShowSnapshot, StudioDocument } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { Broadcaster } from '../realtime/broadcaster';
import { decideShowPush, PushedShow, SHOW_PUSH_LUA, showDigest } from './show-layout.ledger';
import { showProjection } from './show-layout.projection';

/** Real-time pages following a channel's show (not the broadcast viewers: they see the composed picture). */
export const showRoom = (channelId: string) => `show:${channelId}`;
/** A socket follows the show of a few channels at most, as it watches a few. */
const MAX_SHOWS_PER_SOCKET = 8;
/** How long the last pushed show of a studio is remembered; after that the next change pushes once more. */
const LEDGER_TTL_MS = 24 * 60 * 60 * 1000;

type Scripted = { showPush(numKeys: number, key: string, version: number, digest: string, ttlMs: number): Promise<number> };

interface ShowRow {
  version: number;
  document: StudioDocument;
  channel_id: string;
  channel_name: string;
}

/**
 * The show layout of each channel for real-time pages: a snapshot when a page follows it, and a
 * `watch:show` push to room `show:<channelId>` (on every node, through the adapter) after each
 * studio change the audience would notice. Which change pushes is decided once across nodes in
 * Redis (or in this process without Redis), so two nodes never push the same show twice and an
 * older change handled late never overwrites a newer one.
 */
@Injectable()
export class ShowLayouts implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('ShowLayouts');
  private readonly local = new Map<string, PushedShow>();
  private readonly redis?: Redis & Scripted;
  private off?: () => void;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true });
      redis.defineCommand('showPush', { lua: SHOW_PUSH_LUA });
      redis.on('error', (e) => this.log.warn(`redis: ${e.message}`));
      this.redis = redis as Redis & Scripted;
    }
  }

  onModuleInit(): void {
    // Best effort after a committed change: a failure is a log line; pages take a snapshot on reconnect.
    this.off = this.events.on(
      'studio.changed',
      (e) =>
        void this.changed(e.stageId).catch((err: unknown) =>
          this.log.warn(`show push for stage ${e.stageId} skipped: ${err instanceof Error ? err.message : String(err)}`),
        ),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
    this.redis?.disconnect();
  }

  /** Joins the socket to the channel's show room, then reads: a change committed meanwhile is in the read or pushed to it. */
  async follow(socket: Socket, channelName: string): Promise<ShowSnapshot> {
    const rows = (await this.db.query(`SELECT id, name, user_id FROM channels WHERE lower(name) = lower($1)`, [channelName])) as {
      id: string;
      name: string;
      user_id: string;
    }[];
    const c = rows[0];
    if (!c) throw new AppError('channel/not-found');
    const showing = showsOf(socket);
    if (!showing.has(c.id) && showing.size >= MAX_SHOWS_PER_SOCKET)
      throw new AppError('request/invalid', `You can follow at most ${MAX_SHOWS_PER_SOCKET} shows at once.`);
    showing.set(c.id, c.name.toLowerCase());
    await socket.join(showRoom(c.id));
    const docs = (await this.db.query(
      `SELECT d.version, d.document FROM stages s JOIN studio_documents d ON d.stage_id = s.id WHERE s.user_id = $1`,
      [c.user_id],
    )) as Pick<ShowRow, 'version' | 'document'>[];
    const doc = docs[0];
    return { channel: c.name, version: doc?.version ?? 0, show: doc ? showProjection(doc.document) : null };
  }

  /** Stops the pushes of one channel's show (`watch:leave`); whether the socket followed it. */
  async unfollow(socket: Socket, channelName: string): Promise<boolean> {
    const showing = showsOf(socket);
    for (const [channelId, name] of showing) {
      if (name !== channelName.toLowerCase()) continue;
      showing.delete(channelId);
      await socket.leave(showRoom(channelId));
      return true;
    }
    return false;
  }

  private async changed(stageId: string): Promise<void> {
    const rows = (await this.db.query(
      `SELECT d.version, d.document, c.id AS channel_id, c.name AS channel_name
       FROM studio_documents d JOIN stages s ON s.id = d.stage_id JOIN channels c ON c.user_id = s.user_id
       WHERE d.stage_id = $1`,
      [stageId],
    )) as ShowRow[];
    const row = rows[0];
    if (!row) return;
    const show = showProjection(row.document);
    if (!(await this.shouldPush(stageId, { version: row.version, digest: showDigest(show) }))) return;
    this.broadcaster.toRoom(showRoom(row.channel_id), 'watch:show', { channel: row.channel_name, version: row.version, show });
  }

  private async shouldPush(stageId: string, next: PushedShow): Promise<boolean> {
    if (this.redis) {
      try {
        return (await this.redis.showPush(1, `streamcat:show:{${stageId}}`, next.version, next.digest, LEDGER_TTL_MS)) === 1;
      } catch (e) {
        // Without the shared record a page may get a repeat, which it ignores by version; never a missed change.
        this.log.warn(`show ledger unavailable, pushing: ${e instanceof Error ? e.message : String(e)}`);
        return true;
      }
    }
    const decision = decideShowPush(this.local.get(stageId) ?? null, next);
    if (decision.record) this.local.set(stageId, next);
    return decision.push;
  }
}

/** The channels whose show a socket follows: channel id → lower-case name. */
function showsOf(socket: Socket): Map<string, string> {
  const data = socket.data as { shows?: Map<string, string> };
  return (data.shows ??= new Map());
}
