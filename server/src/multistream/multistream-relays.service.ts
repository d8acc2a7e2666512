import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ffmpegCandidates, findFfmpeg } from '@streamcat/ivs-emulator';
import type { MultistreamStatus } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainEvents } from '../domain-events/domain-events';
import { packagedFfmpegPath } from '../media/packaged-ffmpeg';
import { ServerAddress } from '../media/server-address';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';
import { MultistreamDestinations } from './multistream-destinations.service';
import { MultistreamRelay, RelaySpec } from './multistream-relay';
import { IDLE, relaySource, relayTarget } from './multistream.rules';

/** A node holds a destination this long after its last renewal; another node takes over a dead one's after it. */
const LEASE_SECONDS = 15;
const UNREADABLE_KEY = 'the stored key cannot be decrypted with this MULTISTREAM_KEY; enter the key again';

interface WantedRow {
  id: string;
  url: string;
  key_sealed: string;
  status: MultistreamStatus;
  user_id: string;
  playback_url: string;
}

/**
 * Runs the relays: every enabled destination of a live channel gets one, on exactly one node.
 * Each pass (every few seconds, and at once when a channel goes live or offline here or a host
 * changes a destination) takes or renews a lease per wanted destination with one conditional
 * UPDATE (PostgreSQL decides between nodes), starts the relays it holds, and stops the ones it
 * no longer holds or wants. A node that cannot renew stops its relays before its leases lapse.
 */
@Injectable()
export class MultistreamRelays implements OnApplicationShutdown {
  readonly nodeId = randomUUID();
  private readonly log = new Logger('MultistreamRelays');
  private readonly relays = new Map<string, { relay: MultistreamRelay; spec: RelaySpec }>();
  private timer?: NodeJS.Timeout;
  private unsubscribe: (() => void)[] = [];
  private running?: Promise<void>;
  private again = false;
  private renewedAt = 0;
  private ffmpeg?: Promise<string | null>;
  private shuttingDown = false;
  /** Destinations whose URL or key changed: their running relay starts over with the new one. */
  private readonly restarts = new Set<string>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly destinations: MultistreamDestinations,
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
    private readonly address: ServerAddress,
  ) {}

  start(intervalMs = 3_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.reconcile(), intervalMs);
    this.unsubscribe = [
      this.events.on('channel.live', () => void this.reconcile()),
      this.events.on('channel.offline', () => void this.reconcile()),
      this.events.on('multistream.changed', ({ destinationId, restart }) => {
        if (restart) this.restarts.add(destinationId);
        void this.reconcile();
      }),
    ];
    void this.reconcile();
  }

  /** The relays this node runs, with their ffmpeg's pid (tests and the operator's logs). */
  list(): { destinationId: string; pid: number | undefined; status: MultistreamStatus }[] {
    return [...this.relays.values()].map(({ relay }) => ({ destinationId: relay.destinationId, pid: relay.pid, status: relay.current }));
  }

  /** One pass; a pass asked for while one runs runs once more after it. */
  reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (e) {
          this.log.warn(`multistream pass failed: ${e instanceof Error ? e.message : String(e)}`);
          await this.stopUnrenewed();
        }
      } while (this.again && !this.shuttingDown);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.shuttingDown) return;
    const wanted = (await this.db.query(
      `SELECT d.id, d.url, d.key_sealed, d.status, c.user_id, c.playback_url
         FROM multistream_destinations d JOIN channels c ON c.id = d.channel_id
        WHERE d.enabled AND c.is_live`,
    )) as WantedRow[];
    const [heldRows] = (await this.db.query(
      `UPDATE multistream_destinations SET lease_node = $2, lease_until = now() + make_interval(secs => $3)
        WHERE id = ANY($1::uuid[]) AND (lease_node IS NULL OR lease_node = $2 OR lease_until < now())
        RETURNING id`,
      [wanted.map((w) => w.id), this.nodeId, LEASE_SECONDS],
    )) as [{ id: string }[], number];
    this.renewedAt = Date.now();
    const held = new Set(heldRows.map((r) => r.id));

    await Promise.all([...this.relays.keys()].filter((id) => !held.has(id)).map((id) => this.stopRelay(id)));
    for (const row of wanted) {
      if (!held.has(row.id)) continue;
      const spec = this.specOf(row);
      const running = this.relays.get(row.id);
      if (running) {
        if (spec && this.restarts.delete(row.id)) running.relay.restartWith((running.spec = spec));
        continue;
      }
      if (!spec) {
        // Said once, not every pass: nothing changes until the host enters the key again.
        if (row.status.reason !== UNREADABLE_KEY)
          await this.writeStatus(row.id, row.user_id, {
            state: 'retrying',
            reason: UNREADABLE_KEY,
            retryAt: null,
            failures: row.status.failures + 1,
            since: new Date().toISOString(),
          });
        continue;
      }
      const relay = new MultistreamRelay(
        row.id,
        spec,
        row.status,
        () => this.ffmpegPath(),
        (s) => void this.writeStatus(row.id, row.user_id, s),
      );
      this.restarts.delete(row.id);
      this.relays.set(row.id, { relay, spec });
      relay.start();
    }

    // Leases this node no longer needs go back at once; statuses left by a node that died are reset.
    await this.db.query(
      `UPDATE multistream_destinations SET lease_node = NULL, lease_until = NULL WHERE lease_node = $1 AND NOT (id = ANY($2::uuid[]))`,
      [this.nodeId, [...held]],
    );
    const [stale] = (await this.db.query(
      `UPDATE multistream_destinations d SET status = $1
         FROM channels c
        WHERE c.id = d.channel_id AND d.status->>'state' <> 'idle' AND (d.lease_until IS NULL OR d.lease_until < now())
          AND NOT (d.enabled AND c.is_live)
        RETURNING d.id, c.user_id, d.status`,
      [IDLE(new Date())],
    )) as [{ id: string; user_id: string; status: MultistreamStatus }[], number];
    for (const r of stale) this.push(r.id, r.user_id, r.status);
  }

  private specOf(row: WantedRow): RelaySpec | null {
    const key = this.destinations.keys.open(row.id, row.key_sealed);
    if (key === null) return null;
    const localBase = this.config.mediaProvider === 'local' ? (this.config.ivsEmulator?.url ?? this.address.loopbackUrl()) : null;
    return { source: relaySource(row.playback_url, localBase), target: relayTarget(row.url, key), secrets: [key] };
  }

  /** Listed until its ffmpeg is gone (up to the stop grace), so `list()` never hides a process still running. */
  private async stopRelay(id: string): Promise<void> {
    const entry = this.relays.get(id);
    if (!entry) return;
    await entry.relay.stop();
    if (this.relays.get(id) === entry) this.relays.delete(id);
  }

  /** The database cannot be reached: relays whose lease may have lapsed stop, so another node never doubles them. */
  private async stopUnrenewed(): Promise<void> {
    if (Date.now() - this.renewedAt < (LEASE_SECONDS - 5) * 1000) return;
    await Promise.all([...this.relays.keys()].map((id) => this.stopRelay(id)));
  }

  private async writeStatus(id: string, ownerId: string, status: MultistreamStatus): Promise<void> {
    try {
      // Only the lease holder writes (a stopped relay writes its idle before the lease is given back).
      await this.db.query(`UPDATE multistream_destinations SET status = $2 WHERE id = $1 AND lease_node = $3`, [id, status, this.nodeId]);
    } catch (e) {
      this.log.warn(`multistream status of ${id} not stored: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.push(id, ownerId, status);
  }

  private push(id: string, ownerId: string, status: MultistreamStatus): void {
    try {
      this.broadcaster.toRoom(rooms.user(ownerId), 'multistream:status', { destinationId: id, status });
    } catch {
      /* sockets not up yet (start) or gone (shutdown): the stored status is what a reload shows */
    }
  }

  private ffmpegPath(): Promise<string | null> {
    this.ffmpeg ??= findFfmpeg(ffmpegCandidates({ ffmpegPath: this.config.ffmpegPath, packagedFfmpegPath: packagedFfmpegPath() })).then(
      (s) => (s.ok ? s.path : null),
    );
    return this.ffmpeg;
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    await this.running?.catch(() => undefined);
    const ids = [...this.relays.keys()];
    await Promise.all(ids.map((id) => this.stopRelay(id)));
    if (ids.length)
      await this.db
        .query(`UPDATE multistream_destinations SET lease_node = NULL, lease_until = NULL WHERE lease_node = $1`, [this.nodeId])
        .catch(() => undefined);
  }
}
