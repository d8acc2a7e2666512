import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { programmeOf, type StudioDocument, type StudioLive } from '@streamcat/protocol';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { MediaProvider, type CompositionStatus } from '../media/media-provider';
import { Broadcaster } from '../realtime/broadcaster';
import { actorOf, rooms } from '../realtime/socket-actor';
import { Stage } from '../stages/stage.entity';
import { StudioStages } from '../stages/studio-stages.service';
import { cloudLayoutFor } from './cloud-programme.rules';
import { compositionCheck, failoverVerdict, type FailoverVerdict } from './failover.policy';
import { StudioWriter } from './studio.writer';

/** How often each node looks at live studios (failover) and compositions whose events are late. */
const CHECK_EVERY_MS = 1_000;
/** A composition start or stop not confirmed by its events after this long is looked up or sent again. */
const COMPOSITION_RETRY_MS = 8_000;
/** After an unasked Stream End, how long the host's encoder may take to come back before failover. */
const LOST_GRACE_MS = 20_000;

interface WatchedStudio {
  stage_id: string;
  owner_id: string;
  channel_arn: string;
  live: StudioLive;
}

/**
 * The cloud programme's I/O: starts and stops the IVS composition a studio change asked for
 * (at once on the node that committed it), and on every node, once a second, looks at live
 * studios: a composition whose events are late is looked up or its start sent again (same
 * idempotency token), and a show live from the host's browser whose programme stopped
 * arriving is handed to the cloud as failover.policy decides. Every outcome goes through the
 * studio's one write path, so two nodes deciding the same thing commit it once.
 */
@Injectable()
export class CloudProgramme implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('CloudProgramme');
  private readonly unsubscribe: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** When this node first saw no studio socket of the owner, per stage. */
  private readonly hostAbsentSince = new Map<string, Date>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly writer: StudioWriter,
    private readonly stages: StudioStages,
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('studio.composition', (e) => {
        if (e.start) void this.start(e.stageId, e.start.attempt).catch((err) => this.warn(`start for ${e.stageId}`, err));
        if (e.stop?.arn) void this.stop(e.stop.arn).catch((err) => this.warn(`stop ${e.stop?.arn}`, err));
      }),
      this.events.on(
        'composition.state',
        (e) =>
          void this.record(e.stageId, { arn: e.compositionArn, state: e.state, at: e.at.toISOString(), note: e.note }).catch((err) =>
            this.warn(`composition ${e.compositionArn} ${e.state}`, err),
          ),
      ),
    );
  }

  /** Starts the periodic checks (the app calls it once it listens, like the go-live watch). */
  startWatching(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
  }

  /** One pass (concurrent calls share it). `now` lets tests look ahead. */
  check(now = new Date()): Promise<void> {
    this.running ??= this.pass(now)
      .catch((e) => this.warn('check', e))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: Date): Promise<void> {
    const watched: WatchedStudio[] = await this.db.query(
      `SELECT d.stage_id, s.user_id AS owner_id, c.arn AS channel_arn, d.document->'live' AS live
         FROM studio_documents d JOIN stages s ON s.id = d.stage_id JOIN channels c ON c.user_id = s.user_id
        WHERE (d.document->'live'->'broadcast'->>'state' = 'live'
               AND coalesce(d.document->'live'->'programme'->>'source', 'browser') = 'browser')
           OR d.document->'live'->'programme'->'composition'->>'state' IN ('starting', 'stopping')
        ORDER BY d.updated_at LIMIT 200`,
    );
    const seen = new Set<string>();
    for (const studio of watched) {
      seen.add(studio.stage_id);
      try {
        await this.reconcileComposition(studio, now);
        await this.failover(studio, now);
      } catch (e) {
        this.warn(`studio ${studio.stage_id}`, e);
      }
    }
    for (const id of this.hostAbsentSince.keys()) if (!seen.has(id)) this.hostAbsentSince.delete(id);
  }

  private async reconcileComposition(studio: WatchedStudio, now: Date): Promise<void> {
    const c = programmeOf({ live: studio.live }).composition;
    if (!c) return;
    const check = compositionCheck(studio.live, now, COMPOSITION_RETRY_MS);
    if (check.do === 'start-again') {
      await this.start(studio.stage_id, c.attempt);
      return;
    }
    if (!c.arn || (check.do !== 'stop-again' && check.do !== 'ask-ivs')) return;
    // A stop whose Session End never came: stop again (harmless), then take IVS's word for it.
    if (check.do === 'stop-again') await this.stop(c.arn);
    const found = await this.media.getComposition(c.arn);
    const state = found ? SESSION_OF[found.state] : 'stopped';
    if (state)
      await this.record(studio.stage_id, {
        arn: c.arn,
        state,
        at: now.toISOString(),
        note: found ? undefined : 'IVS no longer knows this composition.',
      });
  }

  private async failover(studio: WatchedStudio, now: Date): Promise<void> {
    if (studio.live.broadcast.state !== 'live' || programmeOf({ live: studio.live }).source !== 'browser') return;
    const connected = await this.hostConnected(studio.stage_id, studio.owner_id);
    if (connected === null) return;
    if (connected) this.hostAbsentSince.delete(studio.stage_id);
    else if (!this.hostAbsentSince.has(studio.stage_id)) this.hostAbsentSince.set(studio.stage_id, now);
    const input = {
      live: studio.live,
      now,
      host: { connected, absentSince: this.hostAbsentSince.get(studio.stage_id) ?? null },
      timing: { hostGoneMs: this.config.failoverHostGoneSeconds * 1000, lostGraceMs: LOST_GRACE_MS },
    };
    let verdict: FailoverVerdict = failoverVerdict(input);
    if (verdict.do === 'ask-ivs') {
      const stream = await this.media.getStream(studio.channel_arn);
      verdict = failoverVerdict({ ...input, stream: stream ? { health: stream.health } : null });
    }
    if (verdict.do !== 'take-over' && verdict.do !== 'give-up') return;
    const stage = { id: studio.stage_id };
    if (verdict.do === 'take-over') {
      // The show stage is where the composition takes its picture from: made before the change, so on-air members get their show tokens with it.
      const entity = await this.db.getRepository(Stage).findOneBy({ id: studio.stage_id });
      if (entity) await this.stages.ensure(entity, 'show');
    }
    try {
      await this.writer.run({
        command: 'studio:failover-verdict',
        stage,
        actor: { kind: 'system' },
        build: () => ({
          type: 'failover',
          decision: verdict.do === 'take-over' ? 'take-over' : 'give-up',
          since: studio.live.broadcast.since,
          note: verdict.do === 'give-up' ? verdict.note : undefined,
        }),
      });
      this.log.log(
        `studio ${studio.stage_id}: ${verdict.do === 'take-over' ? 'the cloud programme takes over' : 'the show ended (failover off)'}`,
      );
    } catch (e) {
      // Another node decided first, or the host came back: nothing to do.
      if (!(e instanceof AppError && e.code === 'studio/invalid-transition')) throw e;
    }
  }

  /** Whether the owner has a studio page open on any node; null when a node did not answer (decide next pass). */
  private async hostConnected(stageId: string, ownerId: string): Promise<boolean | null> {
    try {
      const sockets = await this.broadcaster.io().in(rooms.studio(stageId)).fetchSockets();
      return sockets.some((s) => {
        const actor = (s.data as { actor?: ReturnType<typeof actorOf> }).actor;
        return actor?.kind === 'user' && actor.id === ownerId;
      });
    } catch {
      return null;
    }
  }

  /** StartComposition for the attempt the document holds (the same token on a retry), then its arn recorded. */
  async start(stageId: string, attempt: string): Promise<void> {
    const rows: { document: StudioDocument; channel_arn: string }[] = await this.db.query(
      `SELECT d.document, c.arn AS channel_arn FROM studio_documents d JOIN stages s ON s.id = d.stage_id
         JOIN channels c ON c.user_id = s.user_id WHERE d.stage_id = $1`,
      [stageId],
    );
    const doc = rows[0]?.document;
    const c = doc ? programmeOf(doc).composition : null;
    if (!doc || !c || c.attempt !== attempt || c.arn) return;
    const stageArn = await this.stages.current(stageId, undefined, 'show');
    if (!stageArn) {
      await this.record(stageId, { attempt, state: 'failed', at: new Date().toISOString(), note: 'The show stage is gone.' });
      return;
    }
    let arn: string;
    try {
      ({ arn } = await this.media.startComposition({
        stageArn,
        channelArn: rows[0]!.channel_arn,
        layout: cloudLayoutFor(doc),
        idempotencyToken: attempt,
        tags: { 'streamcat:stage': stageId },
      }));
    } catch (e) {
      // A refusal (quota, conflict, validation) will not change on a retry: the studio hears why.
      if (e instanceof AppError && e.code !== 'media/provider-unavailable' && e.code !== 'media/throttled' && e.code !== 'media/busy') {
        await this.record(stageId, { attempt, state: 'failed', at: new Date().toISOString(), note: e.message });
        return;
      }
      throw e;
    }
    try {
      await this.writer.run({
        command: 'studio:composition-started',
        stage: { id: stageId },
        actor: { kind: 'system' },
        build: () => ({ type: 'composition-started', attempt, arn }),
      });
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'studio/invalid-transition')) throw e;
    }
  }

  async stop(arn: string): Promise<void> {
    await this.media.stopComposition(arn);
  }

  /** A composition's session state into the studio (ignored there when it is not the studio's current one). */
  private async record(
    stageId: string,
    s: { arn?: string; attempt?: string; state: 'active' | 'stopped' | 'failed'; at: string; note?: string },
  ): Promise<void> {
    try {
      await this.writer.run({
        command: 'studio:composition-state',
        stage: { id: stageId },
        actor: { kind: 'system' },
        build: () => ({
          type: 'composition-state',
          arn: s.arn ?? null,
          attempt: s.attempt ?? null,
          state: s.state,
          at: s.at,
          note: s.note,
        }),
      });
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'studio/invalid-transition')) throw e;
    }
  }

  private warn(what: string, e: unknown): void {
    this.log.warn(`cloud programme ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const SESSION_OF: Record<CompositionStatus, 'active' | 'stopped' | 'failed' | null> = {
  STARTING: null,
  ACTIVE: 'active',
  STOPPING: null,
  STOPPED: 'stopped',
  FAILED: 'failed',
};
