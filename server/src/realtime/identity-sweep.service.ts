import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Socket } from 'socket.io';
import { DataSource } from 'typeorm';
import type { SessionEnded } from '@streamcat/protocol';
import { strongestSanction } from '../chat/chat.rules';
import type { UserRole } from '../users/user.entity';
import { Broadcaster } from './broadcaster';
import { CurrentIdentity, decideIdentity, END_MESSAGES, HeldIdentity } from './identity.policy';
import { actorOf, SocketData } from './socket-actor';

/** How often each node re-reads the accounts behind its open sockets. */
export const IDENTITY_SWEEP_MS = 2_000;

interface IdentityRow {
  id: string;
  role: UserRole;
  sanctions: { kind: 'ban' | 'timeout'; reason: string; expiresAt: string | null }[];
  now: Date;
}

/**
 * Open sockets follow their account: every node, every two seconds, reads the distinct users
 * connected to it in one query and ends or updates each socket (identity.policy.ts decides).
 * Polling rather than events, because the operator's CLI changes rows from another process.
 */
@Injectable()
export class IdentitySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('IdentitySweep');
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly broadcaster: Broadcaster,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void (this.inFlight ?? this.sweep()), IDENTITY_SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Resolves after a complete pass that started after this call (one in progress may predate the caller's change). */
  sweep(): Promise<void> {
    const pass = (this.inFlight ?? Promise.resolve()).then(() => this.pass(Date.now()));
    this.inFlight = pass;
    void pass.finally(() => {
      if (this.inFlight === pass) this.inFlight = undefined;
    });
    return pass;
  }

  /** One pass over this node's sockets. A failed read changes nothing (no mass disconnect when the database blinks). */
  private async pass(now: number): Promise<void> {
    try {
      const sockets = this.localSockets();
      const userIds = new Set<string>();
      for (const s of sockets) {
        const actor = actorOf(s);
        if (actor.kind === 'user') userIds.add(actor.id);
      }
      const current = userIds.size ? await this.read([...userIds]) : new Map<string, CurrentIdentity>();
      for (const s of sockets) this.apply(s, current, now);
    } catch (e) {
      this.log.warn(`identity check skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private localSockets(): Socket[] {
    let server;
    try {
      server = this.broadcaster.io();
    } catch {
      return []; // Socket.IO not up yet
    }
    return [...server.sockets.sockets.values()].filter((s) => (s.data as Partial<SocketData>).identity);
  }

  private apply(socket: Socket, current: Map<string, CurrentIdentity>, now: number): void {
    const data = socket.data as SocketData;
    const held = data.identity as HeldIdentity;
    const actor = actorOf(socket);
    if (actor.kind !== 'user') return;
    const row = current.get(actor.id) ?? null;
    const decision = decideIdentity(held, row, now);
    if (decision.kind === 'sanction') {
      held.siteSanction = decision.signature;
      if (decision.notify) socket.emit('chat:sanction', { channel: null, sanction: decision.sanction });
    } else if (decision.kind === 'end') {
      const ended: SessionEnded = { reason: decision.reason, message: END_MESSAGES[decision.reason] };
      if (decision.reason === 'role-changed' && row) ended.user = { id: actor.id, username: actor.username, role: row.role };
      data.identity = undefined;
      socket.emit('session:ended', ended);
      socket.disconnect(true);
    }
  }

  /** The rows behind the given user ids, with their site-wide chat sanctions in force now. Absent: deleted. */
  private async read(ids: string[]): Promise<Map<string, CurrentIdentity>> {
    const rows = (await this.db.query(
      `SELECT u.id, u.role, clock_timestamp() AS now,
         COALESCE(json_agg(json_build_object('kind', s.kind, 'reason', s.reason, 'expiresAt', s.expires_at))
           FILTER (WHERE s.id IS NOT NULL), '[]'::json) AS sanctions
       FROM users u
       LEFT JOIN chat_sanctions s ON s.user_id = u.id AND s.channel_id IS NULL AND s.lifted_at IS NULL
         AND (s.expires_at IS NULL OR s.expires_at > clock_timestamp())
       WHERE u.id = ANY($1::uuid[])
       GROUP BY u.id`,
      [ids],
    )) as IdentityRow[];
    return new Map(
      rows.map((r) => [
        r.id,
        {
          role: r.role,
          siteSanction: strongestSanction(
            r.sanctions.map((s) => ({
              kind: s.kind,
              channelId: null,
              reason: s.reason,
              expiresAt: s.expiresAt ? new Date(s.expiresAt) : null,
            })),
            r.now,
          ),
        },
      ]),
    );
  }
}
