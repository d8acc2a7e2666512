import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { buildCompositionEvent } from '@streamcat/ivs-events';
import { DataSource } from 'typeorm';
import { queryOne, queryRows } from '../database/emulator-sql';
import { randomAlphanumeric } from '../ivs-arns';
import { IvsEmulatorEvents } from '../ivs-emulator.events';
import { IVS_EMULATOR_CLOCK, IvsEmulatorClock } from '../ivs-emulator.options';
import { CompositionEngine, CompositionMediaListener, CompositionPlan, RunningComposition } from '../media/composition/composition-engine';
import { IVS_EVENT_SINK, IvsEventSink, LoggingEventSink } from '../media/ivs-event-sink';
import { COMPOSITION_OPTIONS, CompositionOptions } from './compositions.options';
import type { CompositionRow } from './compositions.rows';
import {
  applyCompositionFact,
  CompositionEventFact,
  CompositionFact,
  CompositionSnapshot,
  isRunning,
  Transition,
} from './compositions.rules';
import { NoMediaCompositionEngine } from './no-media-composition.engine';

/** What this process holds for a composition it started: the media handle and the timers. */
interface LocalRun {
  handle?: RunningComposition;
  /** A stop was asked for before engine.start() resolved: stop as soon as it does. */
  stopWhenStarted: boolean;
  stopping: boolean;
  idleTimer?: NodeJS.Timeout;
  maxTimer?: NodeJS.Timeout;
}

const snapshotOf = (row: CompositionRow): CompositionSnapshot => ({
  state: row.state,
  destinations: row.destinations,
  failure: row.failure,
  endTime: row.end_time?.toISOString(),
});

/**
 * Runs compositions: hands the plan to the CompositionEngine, turns what it reports into states,
 * rows and `IVS Composition State Change` events (one fact at a time per composition, through the
 * pure applyCompositionFact), ends a composition a minute after its stage has no publisher and at
 * its 24 h maximum. The media lives in this process; a composition whose process is gone is failed
 * by the next process that looks (heartbeat + reap), so a stage and the quota are never held forever.
 */
@Injectable()
export class CompositionLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CompositionLifecycle');
  /** Identifies this process in composition rows (heartbeats). */
  readonly runnerId = randomAlphanumeric(16);
  private readonly runs = new Map<string, LocalRun>();
  /** Facts about one composition are applied one after another, in the order they arrive. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly engine: CompositionEngine;
  private readonly sink: IvsEventSink;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly events: IvsEmulatorEvents,
    @Inject(IVS_EMULATOR_CLOCK) private readonly clock: IvsEmulatorClock,
    @Inject(COMPOSITION_OPTIONS) private readonly options: CompositionOptions,
    // The media plane binds the real engine (media-plane.providers.ts); without one, compositions fail honestly.
    @Optional() @Inject(CompositionEngine) engine?: CompositionEngine,
    @Optional() @Inject(IVS_EVENT_SINK) sink?: IvsEventSink,
  ) {
    this.engine = engine ?? new NoMediaCompositionEngine();
    this.sink = sink ?? new LoggingEventSink();
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.events.on('stageDeleted', ({ stageArn }) => this.failStageCompositions(stageArn));
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    await this.reapStale();
  }

  /** The media ends with the process: each composition still running here ends FAILED. */
  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const [id, run] of [...this.runs]) {
      this.clearTimers(run);
      await run.handle?.stop().catch(() => undefined);
      await this.apply(id, {
        kind: 'failed',
        error: { code: 'EMULATOR_SHUTDOWN', message: 'The IVS emulator shut down.' },
        mediaRunning: false,
      }).catch((err) => this.logger.warn(`Could not end composition ${id} at shutdown: ${String(err)}`));
    }
  }

  /**
   * Starts the media of a composition just recorded as STARTING. Destinations that cannot start
   * (a channel without a stream key) fail at once, as IVS reports them with
   * Destination Failure, and the composition with them. Returns before the media is up.
   */
  launch(input: {
    row: CompositionRow;
    plan: CompositionPlan;
    unstartable: { destinationId: string; error: { code: string; message: string } }[];
    stageHasParticipants: boolean;
  }): void {
    const id = input.row.id;
    const run: LocalRun = { stopWhenStarted: false, stopping: false };
    this.runs.set(id, run);
    run.maxTimer = setTimeout(() => this.applyLater(id, { kind: 'stopRequested' }), this.options.maxDurationMs);
    run.maxTimer.unref();

    if (input.unstartable.length) {
      void (async () => {
        for (const u of input.unstartable)
          await this.apply(id, { kind: 'destination', destinationId: u.destinationId, state: 'FAILED', error: u.error });
        await this.apply(id, { kind: 'failed', error: input.unstartable[0].error, mediaRunning: false });
      })().catch((err) => this.logger.error(`Composition ${id}: ${String(err)}`));
      return;
    }

    // "After a 1-minute timeout, if there are no participants in the stage when StartComposition is called."
    if (!input.stageHasParticipants) this.armIdle(id, run);
    const listener: CompositionMediaListener = {
      destinationState: (destinationId, state, error) => this.applyLater(id, { kind: 'destination', destinationId, state, error }),
      publishersChanged: (count) => (count === 0 ? this.armIdle(id, run) : this.disarmIdle(run)),
      failed: (error) => this.applyLater(id, { kind: 'failed', error, mediaRunning: true }),
    };
    this.engine
      .start(input.plan, listener)
      .then(
        async (handle) => {
          run.handle = handle;
          await this.apply(id, { kind: 'sessionStarted' });
          if (run.stopWhenStarted) await this.stopMedia(id);
        },
        (err: unknown) =>
          this.apply(id, {
            kind: 'failed',
            error: { code: 'COMPOSITION_START_FAILED', message: err instanceof Error ? err.message : String(err) },
            mediaRunning: false,
          }),
      )
      .catch((err) => this.logger.error(`Composition ${id}: ${String(err)}`));
  }

  /** For callbacks and timers, which cannot wait: a failure is logged, never left unhandled. */
  private applyLater(compositionId: string, fact: CompositionFact): void {
    this.apply(compositionId, fact).catch((err) =>
      this.logger.error(`Composition ${compositionId}: applying ${fact.kind} failed: ${String(err)}`),
    );
  }

  /**
   * Applies one fact to a composition's row (serialised per composition and under the row lock),
   * emits the events it produces in order, and stops the media when the transition says so.
   * Resolves once the row is written and the events emitted (not when the media has stopped).
   */
  async apply(compositionId: string, fact: CompositionFact): Promise<void> {
    const previous = this.chains.get(compositionId) ?? Promise.resolve();
    const step = previous.catch(() => undefined).then(() => this.applyNow(compositionId, fact));
    this.chains.set(compositionId, step);
    const result = await step.finally(() => {
      if (this.chains.get(compositionId) === step) this.chains.delete(compositionId);
    });
    if (result?.stopMedia) {
      this.stopMedia(compositionId).catch((err) => this.logger.error(`Composition ${compositionId}: stopping failed: ${String(err)}`));
    }
  }

  /** Fails, as IVS does ("Session Failure ... stage deletion"), every running composition of a deleted stage. */
  async failStageCompositions(stageArn: string): Promise<void> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT id FROM ivs_emu_compositions WHERE stage_arn = $1 AND state IN ('STARTING', 'ACTIVE', 'STOPPING')`,
      [stageArn],
    );
    for (const { id } of rows) {
      await this.apply(id, {
        kind: 'failed',
        error: { code: 'STAGE_DELETED', message: 'The stage was deleted.' },
        mediaRunning: this.runs.get(id)?.handle !== undefined,
      });
    }
  }

  /** Running compositions of a process that stopped marking them alive end FAILED (they hold the stage and the quota). */
  async reapStale(): Promise<void> {
    const staleBefore = new Date(this.clock().getTime() - this.options.staleAfterMs);
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT id FROM ivs_emu_compositions
       WHERE state IN ('STARTING', 'ACTIVE', 'STOPPING') AND runner_id <> $1 AND alive_at < $2`,
      [this.runnerId, staleBefore],
    );
    for (const { id } of rows) {
      await this.apply(id, {
        kind: 'failed',
        error: { code: 'EMULATOR_RESTARTED', message: 'The process composing this stage ended.' },
        mediaRunning: false,
      });
    }
  }

  private async applyNow(compositionId: string, fact: CompositionFact): Promise<Transition | null> {
    const now = this.clock();
    const outcome = await this.db.transaction(async (tx) => {
      const row = await queryOne<CompositionRow>(tx, `SELECT * FROM ivs_emu_compositions WHERE id = $1 FOR UPDATE`, [compositionId]);
      if (!row) return null;
      const snapshot = snapshotOf(row);
      const transition = applyCompositionFact(snapshot, fact, now);
      if (transition.next !== snapshot) {
        await tx.query(`UPDATE ivs_emu_compositions SET state = $2, destinations = $3, failure = $4, end_time = $5 WHERE id = $1`, [
          compositionId,
          transition.next.state,
          JSON.stringify(transition.next.destinations),
          transition.next.failure ? JSON.stringify(transition.next.failure) : null,
          transition.next.endTime ?? null,
        ]);
      }
      return { row, transition };
    });
    if (!outcome) return null;
    await this.emit(outcome.row, outcome.transition.events, now);
    if (!isRunning(outcome.transition.next.state)) this.forget(compositionId);
    return outcome.transition;
  }

  private async stopMedia(compositionId: string): Promise<void> {
    const run = this.runs.get(compositionId);
    if (!run) {
      // Another live process runs this media: it sees the STOPPING row at its next heartbeat and stops it.
      if (await this.runByAnotherLiveProcess(compositionId)) return;
      // Nobody runs it (never started, or its process is gone): the media is over.
      return this.apply(compositionId, { kind: 'mediaStopped' });
    }
    if (!run.handle) {
      run.stopWhenStarted = true;
      return;
    }
    if (run.stopping) return;
    run.stopping = true;
    this.clearTimers(run);
    try {
      await run.handle.stop();
    } catch (err) {
      this.logger.warn(`Composition ${compositionId}: stopping the media failed: ${String(err)}`);
    }
    await this.apply(compositionId, { kind: 'mediaStopped' });
  }

  private async emit(row: CompositionRow, facts: CompositionEventFact[], time: Date): Promise<void> {
    for (const f of facts) {
      const envelope = buildCompositionEvent({ name: f.name, compositionArn: row.arn, stageArn: row.stage_arn, time });
      // Destination events name the destination (`id`, as in the Composition's destinations); failures say why.
      const detail = {
        ...envelope.detail,
        ...(f.destinationId !== undefined ? { id: f.destinationId } : {}),
        ...(f.reason !== undefined ? { reason: f.reason } : {}),
      };
      try {
        await this.sink.emit({ ...envelope, detail });
      } catch (err) {
        this.logger.warn(`IVS event sink refused "${f.name}" for ${row.arn}: ${String(err)}`);
      }
    }
  }

  private armIdle(id: string, run: LocalRun): void {
    if (run.idleTimer || run.stopping) return;
    run.idleTimer = setTimeout(() => {
      run.idleTimer = undefined;
      this.applyLater(id, { kind: 'stopRequested' });
    }, this.options.idleStopMs);
    run.idleTimer.unref();
  }

  private disarmIdle(run: LocalRun): void {
    if (run.idleTimer) clearTimeout(run.idleTimer);
    run.idleTimer = undefined;
  }

  private clearTimers(run: LocalRun): void {
    this.disarmIdle(run);
    if (run.maxTimer) clearTimeout(run.maxTimer);
    run.maxTimer = undefined;
  }

  private forget(compositionId: string): void {
    const run = this.runs.get(compositionId);
    if (!run) return;
    this.clearTimers(run);
    this.runs.delete(compositionId);
  }

  /** Marks this process's compositions alive, and stops those a call on another replica asked to stop. */
  private async beat(): Promise<void> {
    try {
      const rows = await queryRows<{ id: string; state: string }>(
        this.db,
        `UPDATE ivs_emu_compositions SET alive_at = $2 WHERE runner_id = $1 AND state IN ('STARTING', 'ACTIVE', 'STOPPING')
         RETURNING id, state`,
        [this.runnerId, this.clock()],
      );
      for (const r of rows) {
        const run = this.runs.get(r.id);
        if (r.state === 'STOPPING' && run && !run.stopping) await this.stopMedia(r.id);
      }
    } catch (err) {
      this.logger.warn(`Composition heartbeat failed: ${String(err)}`);
    }
  }

  private async runByAnotherLiveProcess(compositionId: string): Promise<boolean> {
    const row = await queryOne<{ runner_id: string; alive_at: Date }>(
      this.db,
      `SELECT runner_id, alive_at FROM ivs_emu_compositions WHERE id = $1`,
      [compositionId],
    );
    if (!row || row.runner_id === this.runnerId) return false;
    return this.clock().getTime() - row.alive_at.getTime() < this.options.staleAfterMs;
  }
}
