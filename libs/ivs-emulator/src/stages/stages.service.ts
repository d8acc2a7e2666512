import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { IvsApiError, validationError } from '../aws-protocol/ivs-api.errors';
import { assertOwnAccount } from '../ivs-arns';
import { countOf, lockForTransaction, queryOne, queryRows, Sql } from '../database/emulator-sql';
import { buildArn, newResourceId } from '../ivs-arns';
import { IvsEmulatorEvents } from '../ivs-emulator.events';
import { emulatorEndpoints, EmulatorEndpoints, IVS_EMULATOR_OPTIONS, IvsEmulatorOptions } from '../ivs-emulator.options';
import { IVS_EMULATOR_LIMITS } from '../limits/call-limits.middleware';
import { checkQuota } from '../limits/emulator-admission';
import type { EmulatorLimits } from '../limits/emulator-limits';
import { ParticipantTokensService, ParticipantTokenView } from './participant-tokens.service';
import { ParticipantsService } from './participants.service';
import { requireStage, StageRow, stageSummaryView, StageSummaryView, stageView, StageView } from './stage.rows';
import { AutoParticipantRecording, resolveAutoParticipantRecording, storageConfigurationProblem } from './participant-recording.rules';
import type { AutoParticipantRecordingInput, ParticipantTokenConfiguration, UpdateStageRequest } from './stages.schemas';

/** Real-time stages: create (with tokens), read, list, delete. */
@Injectable()
export class StagesService {
  private readonly endpoints: EmulatorEndpoints;

  constructor(
    private readonly db: DataSource,
    private readonly tokens: ParticipantTokensService,
    private readonly participants: ParticipantsService,
    private readonly events: IvsEmulatorEvents,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
  ) {
    this.endpoints = emulatorEndpoints(options);
  }

  async createStage(req: {
    name?: string;
    tags?: Record<string, string>;
    participantTokenConfigurations?: ParticipantTokenConfiguration[];
    autoParticipantRecordingConfiguration?: AutoParticipantRecordingInput;
  }): Promise<{ stage: StageView; participantTokens: ParticipantTokenView[] }> {
    const id = newResourceId();
    return this.db.transaction(async (tx) => {
      const recording = await this.checkedRecording(tx, req.autoParticipantRecordingConfiguration);
      // Counted under a lock held to commit: the quota holds across replicas, and a refusal inserts nothing.
      await lockForTransaction(tx, `ivs-emulator:quota:stages:${this.options.accountId}`);
      const inUse = await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_stages`);
      const refusal = checkQuota('stages', this.limits, inUse, this.options);
      if (refusal) throw new IvsApiError(refusal.errorName, refusal.message);
      const row = await queryOne<StageRow>(
        tx,
        `INSERT INTO ivs_emu_stages (id, arn, name, tags, auto_participant_recording) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [
          id,
          buildArn(this.options.region, this.options.accountId, 'stage', id),
          req.name ?? '',
          JSON.stringify(req.tags ?? {}),
          recording === null ? null : JSON.stringify(recording),
        ],
      );
      const participantTokens: ParticipantTokenView[] = [];
      for (const config of req.participantTokenConfigurations ?? []) {
        participantTokens.push(await this.tokens.mint(tx, row!, config));
      }
      return { stage: stageView(row!, this.endpoints), participantTokens };
    });
  }

  /**
   * UpdateStage: a new name and/or a new recording configuration (replacing the old one whole, as
   * IVS does: fields left out take their defaults). Publishers already on the stage keep the
   * recording they started with; the next publish follows the new configuration.
   */
  async updateStage(req: UpdateStageRequest): Promise<StageView> {
    return this.db.transaction(async (tx) => {
      const stage = await requireStage(tx, req.arn, this.options.accountId, true);
      const recording =
        req.autoParticipantRecordingConfiguration === undefined
          ? stage.auto_participant_recording
          : await this.checkedRecording(tx, req.autoParticipantRecordingConfiguration);
      const row = await queryOne<StageRow>(
        tx,
        `UPDATE ivs_emu_stages SET name = $2, auto_participant_recording = $3 WHERE id = $1 RETURNING *`,
        [stage.id, req.name ?? stage.name, recording === null ? null : JSON.stringify(recording)],
      );
      return stageView(row!, this.endpoints);
    });
  }

  /**
   * The configuration to store, after IVS's checks: the storage configuration must be this account's
   * (AccessDeniedException otherwise), in the stage's region and exist (ValidationException: neither
   * CreateStage nor UpdateStage models a ResourceNotFoundException for it). Held FOR SHARE to commit,
   * so a concurrent DeleteStorageConfiguration waits and then sees the stage using it.
   */
  private async checkedRecording(tx: Sql, input: AutoParticipantRecordingInput | undefined): Promise<AutoParticipantRecording | null> {
    if (input === undefined) return null;
    const arn = input.storageConfigurationArn;
    if (arn) {
      assertOwnAccount(arn, this.options.accountId);
      const problem = storageConfigurationProblem(arn, this.options.region);
      if (problem) throw validationError(problem);
      const found = await queryOne<{ id: string }>(tx, `SELECT id FROM ivs_emu_storage_configurations WHERE arn = $1 FOR SHARE`, [arn]);
      if (!found)
        throw validationError(`autoParticipantRecordingConfiguration.storageConfigurationArn: StorageConfiguration ${arn} does not exist.`);
    }
    return resolveAutoParticipantRecording(input);
  }

  async getStage(arn: string): Promise<StageView> {
    return stageView(await requireStage(this.db, arn, this.options.accountId), this.endpoints);
  }

  async listStages(req: { nextToken?: string; maxResults: number }): Promise<{ stages: StageSummaryView[]; nextToken?: string }> {
    const after = decodeNextToken(req.nextToken);
    const rows = await queryRows<StageRow>(
      this.db,
      `SELECT * FROM ivs_emu_stages WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after ?? null, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return { stages: page.items.map(stageSummaryView), nextToken: page.nextToken };
  }

  /**
   * Deleting a stage ends it for everyone: its tokens stop verifying (the stage is gone) and
   * every connected participant is announced as disconnected so the SFU drops them.
   */
  async deleteStage(arn: string): Promise<void> {
    const connected = await this.db.transaction(async (tx) => {
      const stage = await requireStage(tx, arn, this.options.accountId, true);
      const who = await this.participants.connected(tx, stage.id);
      await tx.query(`DELETE FROM ivs_emu_stages WHERE id = $1`, [stage.id]);
      return who;
    });
    for (const p of connected) {
      await this.events.emit('participantDisconnected', {
        stageArn: arn,
        participantId: p.participantId,
        userId: p.userId,
        reason: 'Stage deleted',
        cause: 'STAGE_DELETED',
      });
    }
    await this.events.emit('stageDeleted', { stageArn: arn });
  }
}
