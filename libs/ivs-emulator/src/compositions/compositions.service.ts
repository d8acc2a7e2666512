import { Inject, Injectable, Optional } from '@nestjs/common';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { conflictError, IvsApiError, notFoundError, validationError } from '../aws-protocol/ivs-api.errors';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { ChannelsService } from '../channels/channels.service';
import { countOf, lockForTransaction, queryOne, queryRows, Sql } from '../database/emulator-sql';
import { assertOwnAccount, buildArn, newResourceId } from '../ivs-arns';
import { IVS_EMULATOR_CLOCK, IVS_EMULATOR_OPTIONS, IvsEmulatorClock, IvsEmulatorOptions } from '../ivs-emulator.options';
import { IVS_EMULATOR_LIMITS } from '../limits/call-limits.middleware';
import { checkQuota } from '../limits/emulator-admission';
import type { EmulatorLimits } from '../limits/emulator-limits';
import type { CompositionDestinationPlan, CompositionPlan, CompositionVideo } from '../media/composition/composition-engine';
import { IVS_MEDIA_OPTIONS, resolveMediaOptions, ResolvedMediaOptions } from '../media/media.options';
import { requireStage } from '../stages/stage.rows';
import { CompositionConfigurationsService } from './composition-configurations.service';
import { CompositionLifecycle } from './composition-lifecycle.service';
import { COMPOSITION_OPTIONS, CompositionOptions } from './compositions.options';
import { CompositionRow, compositionSummaryView, compositionView, CompositionView } from './compositions.rows';
import {
  checkDestinations,
  compositeRecordingPrefix,
  DEFAULT_RECORDING_SEGMENT_SECONDS,
  DEFAULT_VIDEO,
  DestinationRecord,
  idempotencyDecision,
  isVisible,
  localBucketDir,
  requestFingerprint,
  resolveLayout,
} from './compositions.rules';
import type { ListCompositionsRequest, StartCompositionRequest } from './compositions.schemas';

const RUNNING = `('STARTING', 'ACTIVE', 'STOPPING')`;

/** StartComposition, StopComposition, GetComposition, ListCompositions. */
@Injectable()
export class CompositionsService {
  private readonly storage: Pick<ResolvedMediaOptions, 'recordingsDir' | 'bucketName'>;

  constructor(
    private readonly db: DataSource,
    private readonly configurations: CompositionConfigurationsService,
    private readonly channels: ChannelsService,
    private readonly lifecycle: CompositionLifecycle,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
    @Inject(IVS_EMULATOR_CLOCK) private readonly clock: IvsEmulatorClock,
    @Inject(COMPOSITION_OPTIONS) private readonly compositionOptions: CompositionOptions,
    // Present with a media plane; without one, the same folders the media plane would use.
    @Optional() @Inject(IVS_MEDIA_OPTIONS) media?: ResolvedMediaOptions,
  ) {
    this.storage = media ?? resolveMediaOptions(options.dataDir, {});
  }

  async startComposition(req: StartCompositionRequest): Promise<{ composition: CompositionView }> {
    const layout = resolveLayout(req.layout);
    const problems = [...layout.problems, ...checkDestinations(req.destinations)];
    if (problems.length) throw validationError(`${problems.length} validation error(s) detected: ${problems.join('; ')}`);
    const fingerprint = requestFingerprint(req);
    await this.lifecycle.reapStale();
    await this.deleteExpired();

    const started = await this.db.transaction(async (tx) => {
      // One lock for the account's compositions: the idempotency lookup, the one-per-stage rule and the quota hold together.
      await lockForTransaction(tx, `ivs-emulator:compositions:${this.options.accountId}`);
      if (req.idempotencyToken !== undefined) {
        const previous = await queryOne<CompositionRow>(tx, `SELECT * FROM ivs_emu_compositions WHERE idempotency_token = $1`, [
          req.idempotencyToken,
        ]);
        const decision = idempotencyDecision(previous && { fingerprint: previous.request_fingerprint }, fingerprint);
        if (decision === 'replay') return { kind: 'replay' as const, row: previous! };
        if (decision === 'conflict') {
          throw conflictError(`idempotencyToken ${req.idempotencyToken} was already used with a different request.`);
        }
      }
      const stage = await requireStage(tx, req.stageArn, this.options.accountId, true);
      const resolved = await this.resolveDestinations(tx, req);

      if (
        (await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_compositions WHERE stage_id = $1 AND state IN ${RUNNING}`, [stage.id])) > 0
      ) {
        throw conflictError(`Stage ${stage.arn} already has an active composition.`);
      }
      const inUse = await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_compositions WHERE state IN ${RUNNING}`);
      const refusal = checkQuota('compositions', this.limits, inUse, this.options);
      if (refusal) throw new IvsApiError(refusal.errorName, refusal.message);

      const id = newResourceId();
      const arn = buildArn(this.options.region, this.options.accountId, 'composition', id);
      const destinations: DestinationRecord[] = [];
      const plans: CompositionDestinationPlan[] = [];
      const unstartable: { destinationId: string; error: { code: string; message: string } }[] = [];
      for (const [i, d] of req.destinations.entries()) {
        const destinationId = newResourceId();
        const r = resolved[i];
        if (r.kind === 'channel') {
          destinations.push({ id: destinationId, state: 'STARTING', configuration: d });
          if (r.problem) unstartable.push({ destinationId, error: r.problem });
          else plans.push({ id: destinationId, kind: 'channel', channelArn: r.channelArn, streamKey: r.streamKey!, video: r.video });
        } else {
          const recordingPrefix = compositeRecordingPrefix(stage.id, stage.active_session_id, id);
          destinations.push({ id: destinationId, state: 'STARTING', configuration: d, detail: { s3: { recordingPrefix } } });
          plans.push({
            id: destinationId,
            kind: 's3',
            dir: join(localBucketDir(this.storage.recordingsDir, this.storage.bucketName, r.bucketName), recordingPrefix),
            video: r.videos,
            segmentSeconds:
              d.s3?.recordingConfiguration?.hlsConfiguration?.targetSegmentDurationSeconds ?? DEFAULT_RECORDING_SEGMENT_SECONDS,
          });
        }
      }
      const now = this.clock();
      const row = await queryOne<CompositionRow>(
        tx,
        `INSERT INTO ivs_emu_compositions (id, arn, stage_id, stage_arn, state, layout, destinations, encoder_configuration_arns,
           storage_configuration_arns, tags, idempotency_token, request_fingerprint, start_time, runner_id, alive_at)
         VALUES ($1, $2, $3, $4, 'STARTING', $5, $6, $7, $8, $9, $10, $11, $12, $13, $12) RETURNING *`,
        [
          id,
          arn,
          stage.id,
          stage.arn,
          JSON.stringify(layout.view),
          JSON.stringify(destinations),
          encoderArnsOf(req),
          req.destinations.flatMap((d) => (d.s3 ? [d.s3.storageConfigurationArn] : [])),
          JSON.stringify(req.tags ?? {}),
          req.idempotencyToken ?? null,
          fingerprint,
          now,
          this.lifecycle.runnerId,
        ],
      );
      const connected = await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_participants WHERE stage_id = $1 AND state = 'CONNECTED'`, [
        stage.id,
      ]);
      const plan: CompositionPlan = {
        compositionId: id,
        compositionArn: arn,
        stageArn: stage.arn,
        layout: layout.engine,
        destinations: plans,
      };
      return { kind: 'new' as const, row: row!, plan, unstartable, stageHasParticipants: connected > 0 };
    });

    if (started.kind === 'replay') return { composition: compositionView(started.row) };
    this.lifecycle.launch(started);
    return { composition: compositionView(started.row) };
  }

  /** Asks the composition to stop; it is STOPPING until its media has ended, then STOPPED. Stopping an ended one changes nothing. */
  async stopComposition(arn: string): Promise<void> {
    const row = await this.requireComposition(arn);
    await this.lifecycle.apply(row.id, { kind: 'stopRequested' });
  }

  async getComposition(arn: string): Promise<CompositionView> {
    return compositionView(await this.requireComposition(arn));
  }

  async listCompositions(req: ListCompositionsRequest) {
    const after = decodeNextToken(req.nextToken);
    if (req.filterByStageArn) assertOwnAccount(req.filterByStageArn, this.options.accountId);
    if (req.filterByEncoderConfigurationArn) assertOwnAccount(req.filterByEncoderConfigurationArn, this.options.accountId);
    await this.lifecycle.reapStale();
    const retainedSince = new Date(this.clock().getTime() - this.compositionOptions.stoppedRetentionMs);
    const rows = await queryRows<CompositionRow>(
      this.db,
      `SELECT * FROM ivs_emu_compositions
       WHERE ($1::text IS NULL OR id > $1)
         AND ($2::text IS NULL OR stage_arn = $2)
         AND ($3::text IS NULL OR $3 = ANY(encoder_configuration_arns))
         AND (end_time IS NULL OR end_time > $4)
       ORDER BY id LIMIT $5`,
      [after ?? null, req.filterByStageArn ?? null, req.filterByEncoderConfigurationArn ?? null, retainedSince, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return { compositions: page.items.map(compositionSummaryView), nextToken: page.nextToken };
  }

  private async requireComposition(arn: string): Promise<CompositionRow> {
    assertOwnAccount(arn, this.options.accountId);
    // A composition whose process is gone is shown (and stopped) as what it is: FAILED.
    await this.lifecycle.reapStale();
    const row = await queryOne<CompositionRow>(this.db, `SELECT * FROM ivs_emu_compositions WHERE arn = $1`, [arn]);
    if (!row || !isVisible({ state: row.state, endTime: row.end_time }, this.clock(), this.compositionOptions.stoppedRetentionMs)) {
      throw notFoundError(`Composition ${arn} does not exist.`);
    }
    return row;
  }

  /**
   * Loads what each destination names (404 / 403 as IVS answers for a missing or foreign resource)
   * and what its media needs. A channel without a stream key cannot take the composition: that is a
   * Destination Failure once started, not an API error.
   */
  private async resolveDestinations(tx: Sql, req: StartCompositionRequest) {
    const out: (
      | { kind: 'channel'; channelArn: string; streamKey?: string; video: CompositionVideo; problem?: { code: string; message: string } }
      | { kind: 's3'; bucketName: string; videos: CompositionVideo[] }
    )[] = [];
    for (const d of req.destinations) {
      if (d.channel) {
        const channel = await this.channels.requireChannel(tx, d.channel.channelArn);
        const video = d.channel.encoderConfigurationArn ? await this.encoderVideo(tx, d.channel.encoderConfigurationArn) : DEFAULT_VIDEO;
        const keys = await this.channels.listStreamKeys({ channelArn: channel.arn, maxResults: 1 });
        const streamKey = keys.streamKeys[0] ? (await this.channels.getStreamKey(keys.streamKeys[0].arn)).value : undefined;
        // A channel already broadcasting is not refused here: the ingest refuses the second source, and the
        // engine reports that as Destination Failure, as IVS does. A live stream whose source is gone (the
        // ingest's reconnect grace) takes the composition and carries on.
        const problem = streamKey ? undefined : { code: 'NO_STREAM_KEY', message: `Channel ${channel.arn} has no stream key.` };
        out.push({ kind: 'channel', channelArn: channel.arn, streamKey, video, problem });
      } else {
        const s3 = d.s3!;
        const storage = await this.configurations.requireStorageConfiguration(tx, s3.storageConfigurationArn, true);
        const videos: CompositionVideo[] = [];
        for (const arn of s3.encoderConfigurationArns) videos.push(await this.encoderVideo(tx, arn));
        out.push({ kind: 's3', bucketName: storage.bucket_name, videos });
      }
    }
    return out;
  }

  private async encoderVideo(tx: Sql, arn: string): Promise<CompositionVideo> {
    const row = await this.configurations.requireEncoderConfiguration(tx, arn, true);
    return { width: row.width, height: row.height, framerate: row.framerate, bitrate: row.bitrate };
  }

  /** Compositions ended longer ago than the retention are gone, as at IVS. */
  private async deleteExpired(): Promise<void> {
    const retainedSince = new Date(this.clock().getTime() - this.compositionOptions.stoppedRetentionMs);
    await this.db.query(`DELETE FROM ivs_emu_compositions WHERE end_time IS NOT NULL AND end_time <= $1`, [retainedSince]);
  }
}

function encoderArnsOf(req: StartCompositionRequest): string[] {
  const arns = req.destinations.flatMap((d) => [
    ...(d.channel?.encoderConfigurationArn ? [d.channel.encoderConfigurationArn] : []),
    ...(d.s3?.encoderConfigurationArns ?? []),
  ]);
  return [...new Set(arns)];
}
