import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  keyHint,
  MULTISTREAM_MAX_DESTINATIONS,
  MULTISTREAM_PRESETS,
  type CreateMultistreamDestination,
  type MultistreamDestination,
  type MultistreamDestinationList,
  type MultistreamKind,
  type MultistreamStatus,
  type UpdateMultistreamDestination,
} from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import type { User } from '../users/user.entity';
import { MultistreamKeyMismatch, MultistreamKeys } from './multistream-keys';
import { IDLE } from './multistream.rules';

interface DestinationRow {
  id: string;
  kind: MultistreamKind;
  name: string;
  url: string;
  key_hint: string;
  enabled: boolean;
  status: MultistreamStatus;
  created_at: Date;
}

const COLUMNS = 'id, kind, name, url, key_hint, enabled, status, created_at';

/**
 * A channel owner's multistream destinations. Only the owner reads or changes them (the routes
 * are under /api/me); the key goes in and is sealed, and no response ever carries it back.
 */
@Injectable()
export class MultistreamDestinations implements OnModuleInit {
  readonly keys: MultistreamKeys;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: DomainEvents,
  ) {
    this.keys = new MultistreamKeys(config.multistreamKey);
  }

  /** A wrong MULTISTREAM_KEY stops the start with a sentence naming it, rather than relaying garbage later. */
  async onModuleInit(): Promise<void> {
    const rows = (await this.db.query(`SELECT id, key_sealed FROM multistream_destinations ORDER BY created_at LIMIT 1`)) as {
      id: string;
      key_sealed: string;
    }[];
    for (const row of rows) if (this.keys.open(row.id, row.key_sealed) === null) throw new MultistreamKeyMismatch();
  }

  async list(user: User): Promise<MultistreamDestinationList> {
    const channelId = await this.channelOf(user);
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM multistream_destinations WHERE channel_id = $1 ORDER BY created_at, id`, [
      channelId,
    ])) as DestinationRow[];
    return { items: rows.map(view), max: MULTISTREAM_MAX_DESTINATIONS };
  }

  async create(user: User, body: CreateMultistreamDestination): Promise<MultistreamDestination> {
    const url = body.kind === 'custom' ? body.url! : MULTISTREAM_PRESETS[body.kind].url;
    const name = body.name ?? (body.kind === 'custom' ? new URL(url).hostname : MULTISTREAM_PRESETS[body.kind].label);
    const created = await this.db.transaction(async (m) => {
      // The channel row is the lock: two creates at once cannot both pass the count.
      const channel = ((await m.query(`SELECT id FROM channels WHERE user_id = $1 FOR UPDATE`, [user.id])) as { id: string }[])[0];
      if (!channel) throw new AppError('channel/not-found');
      const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM multistream_destinations WHERE channel_id = $1`, [channel.id])) as {
        n: number;
      }[];
      if (n >= MULTISTREAM_MAX_DESTINATIONS) throw new AppError('multistream/too-many');
      const id = randomUUID();
      const rows = (await m.query(
        `INSERT INTO multistream_destinations (id, channel_id, kind, name, url, key_sealed, key_hint, enabled, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [id, channel.id, body.kind, name, url, this.keys.seal(id, body.key), keyHint(body.key), body.enabled ?? true, IDLE(new Date())],
      )) as DestinationRow[];
      return rows[0]!;
    });
    this.events.emit('multistream.changed', { destinationId: created.id });
    return view(created);
  }

  async update(user: User, id: string, body: UpdateMultistreamDestination): Promise<MultistreamDestination> {
    const channelId = await this.channelOf(user);
    const current = (
      (await this.db.query(`SELECT kind FROM multistream_destinations WHERE id = $1 AND channel_id = $2`, [id, channelId])) as {
        kind: MultistreamKind;
      }[]
    )[0];
    if (!current) throw new AppError('multistream/not-found');
    if (body.url !== undefined && current.kind !== 'custom') throw new AppError('multistream/preset-url');
    const sets: string[] = ['updated_at = now()'];
    const values: unknown[] = [id, channelId];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (body.name !== undefined) set('name', body.name);
    if (body.url !== undefined) set('url', body.url);
    if (body.enabled !== undefined) set('enabled', body.enabled);
    if (body.key !== undefined) {
      set('key_sealed', this.keys.seal(id, body.key));
      set('key_hint', keyHint(body.key));
    }
    const rows = (await this.db.query(
      `UPDATE multistream_destinations SET ${sets.join(', ')} WHERE id = $1 AND channel_id = $2 RETURNING ${COLUMNS}`,
      values,
    )) as [DestinationRow[], number];
    const row = rows[0][0];
    if (!row) throw new AppError('multistream/not-found');
    // A new URL or key takes effect on the relay's next start: restart a running one.
    this.events.emit('multistream.changed', { destinationId: id, restart: body.url !== undefined || body.key !== undefined });
    return view(row);
  }

  async remove(user: User, id: string): Promise<void> {
    const channelId = await this.channelOf(user);
    const rows = (await this.db.query(`DELETE FROM multistream_destinations WHERE id = $1 AND channel_id = $2 RETURNING id`, [
      id,
      channelId,
    ])) as [unknown[], number];
    if (!rows[0].length) throw new AppError('multistream/not-found');
    this.events.emit('multistream.changed', { destinationId: id });
  }

  private async channelOf(user: User): Promise<string> {
    const row = ((await this.db.query(`SELECT id FROM channels WHERE user_id = $1`, [user.id])) as { id: string }[])[0];
    if (!row) throw new AppError('channel/not-found');
    return row.id;
  }
}

/** What a response carries: never the key, only its hint. */
function view(r: DestinationRow): MultistreamDestination {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    url: r.url,
    keyHint: r.key_hint,
    enabled: r.enabled,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}
