import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { conflictError, IvsApiError, notFoundError, validationError } from '../aws-protocol/ivs-api.errors';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { countOf, lockForTransaction, queryOne, queryRows, Sql } from '../database/emulator-sql';
import { assertOwnAccount, buildArn, newResourceId } from '../ivs-arns';
import { IVS_EMULATOR_OPTIONS, IvsEmulatorOptions } from '../ivs-emulator.options';
import { IVS_EMULATOR_LIMITS } from '../limits/call-limits.middleware';
import { checkQuota } from '../limits/emulator-admission';
import type { EmulatorLimits } from '../limits/emulator-limits';
import {
  EncoderConfigurationRow,
  encoderConfigurationSummaryView,
  encoderConfigurationView,
  StorageConfigurationRow,
  storageConfigurationView,
} from './compositions.rows';
import { resolveVideo } from './compositions.rules';
import type { VideoInput } from './compositions.schemas';

/** A configuration is "in use" while a composition that names it has not ended (STOPPED / FAILED). */
const IN_USE_BY_RUNNING = (column: 'encoder_configuration_arns' | 'storage_configuration_arns') =>
  `SELECT count(*) AS n FROM ivs_emu_compositions WHERE $1 = ANY(${column}) AND state IN ('STARTING', 'ACTIVE', 'STOPPING')`;

/** EncoderConfiguration and StorageConfiguration: the resources a composition's destinations name. */
@Injectable()
export class CompositionConfigurationsService implements OnApplicationBootstrap {
  constructor(
    private readonly db: DataSource,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
  ) {}

  /** The storage configurations the account starts with (options.storageConfigurations), made once. */
  async onApplicationBootstrap(): Promise<void> {
    for (const c of this.options.storageConfigurations ?? []) {
      await this.db.query(
        `INSERT INTO ivs_emu_storage_configurations (id, arn, name, bucket_name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [c.id, buildArn(this.options.region, this.options.accountId, 'storage-configuration', c.id), c.name, c.bucketName],
      );
    }
  }

  async createEncoderConfiguration(req: { name?: string; video?: VideoInput; tags?: Record<string, string> }) {
    const { video, problems } = resolveVideo(req.video);
    if (problems.length) throw validationError(`${problems.length} validation error(s) detected: ${problems.join('; ')}`);
    const id = newResourceId();
    return this.db.transaction(async (tx) => {
      await lockForTransaction(tx, `ivs-emulator:quota:encoder-configurations:${this.options.accountId}`);
      const inUse = await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_encoder_configurations`);
      const refusal = checkQuota('encoderConfigurations', this.limits, inUse, this.options);
      if (refusal) throw new IvsApiError(refusal.errorName, refusal.message);
      const row = await queryOne<EncoderConfigurationRow>(
        tx,
        `INSERT INTO ivs_emu_encoder_configurations (id, arn, name, width, height, framerate, bitrate, tags)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          id,
          buildArn(this.options.region, this.options.accountId, 'encoder-configuration', id),
          req.name ?? '',
          video.width,
          video.height,
          video.framerate,
          video.bitrate,
          JSON.stringify(req.tags ?? {}),
        ],
      );
      return encoderConfigurationView(row!);
    });
  }

  async getEncoderConfiguration(arn: string) {
    return encoderConfigurationView(await this.requireEncoderConfiguration(this.db, arn));
  }

  async deleteEncoderConfiguration(arn: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireEncoderConfiguration(tx, arn, true);
      // Serialised with StartComposition, which takes the same row lock before it records its use.
      if ((await countOf(tx, IN_USE_BY_RUNNING('encoder_configuration_arns'), [arn])) > 0) {
        throw conflictError(`EncoderConfiguration ${arn} is used by a composition; stop the composition first.`);
      }
      await tx.query(`DELETE FROM ivs_emu_encoder_configurations WHERE id = $1`, [row.id]);
    });
  }

  async listEncoderConfigurations(req: { nextToken?: string; maxResults: number }) {
    const after = decodeNextToken(req.nextToken);
    const rows = await queryRows<EncoderConfigurationRow>(
      this.db,
      `SELECT * FROM ivs_emu_encoder_configurations WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after ?? null, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return { encoderConfigurations: page.items.map(encoderConfigurationSummaryView), nextToken: page.nextToken };
  }

  /** S3 is not reached: the bucket is a local folder (see localBucketDir), so any valid bucket name is accepted. */
  async createStorageConfiguration(req: { name?: string; s3: { bucketName: string }; tags?: Record<string, string> }) {
    const id = newResourceId();
    const row = await queryOne<StorageConfigurationRow>(
      this.db,
      `INSERT INTO ivs_emu_storage_configurations (id, arn, name, bucket_name, tags) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [
        id,
        buildArn(this.options.region, this.options.accountId, 'storage-configuration', id),
        req.name ?? '',
        req.s3.bucketName,
        JSON.stringify(req.tags ?? {}),
      ],
    );
    return storageConfigurationView(row!);
  }

  async getStorageConfiguration(arn: string) {
    return storageConfigurationView(await this.requireStorageConfiguration(this.db, arn));
  }

  async deleteStorageConfiguration(arn: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireStorageConfiguration(tx, arn, true);
      if ((await countOf(tx, IN_USE_BY_RUNNING('storage_configuration_arns'), [arn])) > 0) {
        throw conflictError(`StorageConfiguration ${arn} is used by a composition; stop the composition and wait for it to end first.`);
      }
      // A stage that records its participants to it holds it too (IVS: ConflictException).
      if (
        (await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_stages WHERE auto_participant_recording->>'storageConfigurationArn' = $1`, [
          arn,
        ])) > 0
      ) {
        throw conflictError(
          `StorageConfiguration ${arn} is used by a stage's autoParticipantRecordingConfiguration; update or delete the stage first.`,
        );
      }
      await tx.query(`DELETE FROM ivs_emu_storage_configurations WHERE id = $1`, [row.id]);
    });
  }

  async listStorageConfigurations(req: { nextToken?: string; maxResults: number }) {
    const after = decodeNextToken(req.nextToken);
    const rows = await queryRows<StorageConfigurationRow>(
      this.db,
      `SELECT * FROM ivs_emu_storage_configurations WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after ?? null, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return { storageConfigurations: page.items.map(storageConfigurationView), nextToken: page.nextToken };
  }

  /** 403 for another account's ARN, 404 if absent; `lock` holds the row against a concurrent delete. */
  async requireEncoderConfiguration(sql: Sql, arn: string, lock = false): Promise<EncoderConfigurationRow> {
    assertOwnAccount(arn, this.options.accountId);
    const row = await queryOne<EncoderConfigurationRow>(
      sql,
      `SELECT * FROM ivs_emu_encoder_configurations WHERE arn = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [arn],
    );
    if (!row) throw notFoundError(`EncoderConfiguration ${arn} does not exist.`);
    return row;
  }

  async requireStorageConfiguration(sql: Sql, arn: string, lock = false): Promise<StorageConfigurationRow> {
    assertOwnAccount(arn, this.options.accountId);
    const row = await queryOne<StorageConfigurationRow>(
      sql,
      `SELECT * FROM ivs_emu_storage_configurations WHERE arn = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [arn],
    );
    if (!row) throw notFoundError(`StorageConfiguration ${arn} does not exist.`);
    return row;
  }
}
