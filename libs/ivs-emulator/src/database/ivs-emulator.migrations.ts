import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The emulator's durable state. Kept in PostgreSQL (not memory or files) so ARNs and tokens
 * survive restarts and every server replica sees the same channels and stages.
 */
export class IvsEmulatorSchema1763800000000 implements MigrationInterface {
  name = 'IvsEmulatorSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ivs_emu_channels (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        name varchar(128) NOT NULL DEFAULT '',
        latency_mode varchar(8) NOT NULL,
        type varchar(16) NOT NULL,
        authorized boolean NOT NULL DEFAULT false,
        insecure_ingest boolean NOT NULL DEFAULT false,
        recording_configuration_arn varchar(256) NOT NULL DEFAULT '',
        preset varchar(32) NOT NULL DEFAULT '',
        tags jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_ivs_emu_channels_arn UNIQUE (arn)
      )`);
    await q.query(`CREATE INDEX ix_ivs_emu_channels_name ON ivs_emu_channels (name)`);

    // One key per channel is IVS's quota; the unique index makes it hold across replicas.
    await q.query(`
      CREATE TABLE ivs_emu_stream_keys (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        channel_id varchar(12) NOT NULL REFERENCES ivs_emu_channels (id) ON DELETE CASCADE,
        value varchar(128) NOT NULL,
        tags jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_ivs_emu_stream_keys_arn UNIQUE (arn),
        CONSTRAINT uq_ivs_emu_stream_keys_value UNIQUE (value),
        CONSTRAINT uq_ivs_emu_stream_keys_channel UNIQUE (channel_id)
      )`);

    // A stream is live while ended_at is NULL; at most one live stream per channel.
    await q.query(`
      CREATE TABLE ivs_emu_streams (
        stream_id varchar(32) PRIMARY KEY,
        channel_id varchar(12) NOT NULL REFERENCES ivs_emu_channels (id) ON DELETE CASCADE,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NULL,
        end_reason varchar(32) NULL,
        health varchar(16) NOT NULL DEFAULT 'HEALTHY',
        viewer_count integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE UNIQUE INDEX ux_ivs_emu_streams_live ON ivs_emu_streams (channel_id) WHERE ended_at IS NULL`);

    await q.query(`
      CREATE TABLE ivs_emu_stages (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        name varchar(128) NOT NULL DEFAULT '',
        tags jsonb NOT NULL DEFAULT '{}',
        active_session_id varchar(64) NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_ivs_emu_stages_arn UNIQUE (arn)
      )`);

    // The JWT itself is not stored: the signature proves origin, the row carries revocation.
    await q.query(`
      CREATE TABLE ivs_emu_participant_tokens (
        participant_id varchar(12) PRIMARY KEY,
        stage_id varchar(12) NOT NULL REFERENCES ivs_emu_stages (id) ON DELETE CASCADE,
        user_id varchar(128) NOT NULL DEFAULT '',
        attributes jsonb NOT NULL DEFAULT '{}',
        capabilities jsonb NOT NULL,
        duration_minutes integer NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disconnected_at timestamptz NULL,
        disconnect_reason varchar(128) NULL
      )`);
    await q.query(`CREATE INDEX ix_ivs_emu_participant_tokens_stage ON ivs_emu_participant_tokens (stage_id)`);

    // Connections the media plane reports (joined / left), per stage session, for ListParticipants.
    await q.query(`
      CREATE TABLE ivs_emu_participants (
        session_id varchar(64) NOT NULL,
        participant_id varchar(12) NOT NULL,
        stage_id varchar(12) NOT NULL REFERENCES ivs_emu_stages (id) ON DELETE CASCADE,
        user_id varchar(128) NOT NULL DEFAULT '',
        state varchar(16) NOT NULL,
        published boolean NOT NULL DEFAULT false,
        first_join_at timestamptz NOT NULL,
        left_at timestamptz NULL,
        PRIMARY KEY (session_id, participant_id)
      )`);
    await q.query(`CREATE INDEX ix_ivs_emu_participants_stage ON ivs_emu_participants (stage_id, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ivs_emu_participants`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_participant_tokens`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_stages`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_streams`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_stream_keys`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_channels`);
  }
}

/**
 * Stream keys per channel became a configurable quota (limits/emulator-limits.ts, counted under
 * the channel's row lock) instead of a unique constraint fixed at one.
 */
export class IvsEmulatorStreamKeyQuota1763800610000 implements MigrationInterface {
  name = 'IvsEmulatorStreamKeyQuota1763800610000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ivs_emu_stream_keys DROP CONSTRAINT uq_ivs_emu_stream_keys_channel`);
    await q.query(`CREATE INDEX ix_ivs_emu_stream_keys_channel ON ivs_emu_stream_keys (channel_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_ivs_emu_stream_keys_channel`);
    await q.query(`ALTER TABLE ivs_emu_stream_keys ADD CONSTRAINT uq_ivs_emu_stream_keys_channel UNIQUE (channel_id)`);
  }
}

/**
 * Channels carry SRT ingest details as IVS's Channel does (a passphrase per channel, kept like the
 * stream key); stream sessions are listed newest first per channel (ListStreamSessions).
 */
export class IvsEmulatorChannelSrt1763800620000 implements MigrationInterface {
  name = 'IvsEmulatorChannelSrt1763800620000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ivs_emu_channels ADD COLUMN srt_passphrase varchar(79) NOT NULL DEFAULT ''`);
    // gen_random_uuid draws from the server's strong random source.
    await q.query(
      `UPDATE ivs_emu_channels SET srt_passphrase = substr(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 1, 32)`,
    );
    await q.query(`CREATE INDEX ix_ivs_emu_streams_channel_started ON ivs_emu_streams (channel_id, started_at DESC, stream_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_ivs_emu_streams_channel_started`);
    await q.query(`ALTER TABLE ivs_emu_channels DROP COLUMN srt_passphrase`);
  }
}

/**
 * Server-side composition: encoder and storage configurations, and compositions. A composition keeps
 * its destinations (configuration, state, times) as one document, and the ARNs of the encoder and
 * storage configurations it uses as arrays, so "in use" and ListCompositions' filter are one query.
 * At most one composition per stage is running (partial unique index: holds across replicas).
 */
export class IvsEmulatorCompositions1763800750000 implements MigrationInterface {
  name = 'IvsEmulatorCompositions1763800750000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ivs_emu_encoder_configurations (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        name varchar(128) NOT NULL DEFAULT '',
        width integer NOT NULL,
        height integer NOT NULL,
        framerate real NOT NULL,
        bitrate integer NOT NULL,
        tags jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_ivs_emu_encoder_configurations_arn UNIQUE (arn)
      )`);
    await q.query(`
      CREATE TABLE ivs_emu_storage_configurations (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        name varchar(128) NOT NULL DEFAULT '',
        bucket_name varchar(63) NOT NULL,
        tags jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_ivs_emu_storage_configurations_arn UNIQUE (arn)
      )`);
    // No FK to the stage: a composition outlives its stage's deletion (it ends FAILED and stays readable).
    await q.query(`
      CREATE TABLE ivs_emu_compositions (
        id varchar(12) PRIMARY KEY,
        arn varchar(256) NOT NULL,
        stage_id varchar(12) NOT NULL,
        stage_arn varchar(256) NOT NULL,
        state varchar(16) NOT NULL,
        layout jsonb NOT NULL,
        destinations jsonb NOT NULL,
        encoder_configuration_arns text[] NOT NULL DEFAULT '{}',
        storage_configuration_arns text[] NOT NULL DEFAULT '{}',
        tags jsonb NOT NULL DEFAULT '{}',
        idempotency_token varchar(64) NULL,
        request_fingerprint text NOT NULL,
        failure jsonb NULL,
        start_time timestamptz NOT NULL,
        end_time timestamptz NULL,
        runner_id varchar(32) NOT NULL,
        alive_at timestamptz NOT NULL,
        CONSTRAINT uq_ivs_emu_compositions_arn UNIQUE (arn)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX ux_ivs_emu_compositions_stage_running ON ivs_emu_compositions (stage_id) WHERE state IN ('STARTING', 'ACTIVE', 'STOPPING')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX ux_ivs_emu_compositions_idempotency ON ivs_emu_compositions (idempotency_token) WHERE idempotency_token IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_ivs_emu_compositions_state ON ivs_emu_compositions (state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ivs_emu_compositions`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_storage_configurations`);
    await q.query(`DROP TABLE IF EXISTS ivs_emu_encoder_configurations`);
  }
}

/**
 * Individual participant recording: a stage's autoParticipantRecordingConfiguration as given (NULL:
 * never set, which reads as recording off). A storage configuration named by a stage cannot be
 * deleted, so the lookup by ARN gets an index.
 */
export class IvsEmulatorParticipantRecording1763800770000 implements MigrationInterface {
  name = 'IvsEmulatorParticipantRecording1763800770000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ivs_emu_stages ADD COLUMN auto_participant_recording jsonb NULL`);
    await q.query(
      `CREATE INDEX ix_ivs_emu_stages_storage_configuration ON ivs_emu_stages ((auto_participant_recording->>'storageConfigurationArn'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_ivs_emu_stages_storage_configuration`);
    await q.query(`ALTER TABLE ivs_emu_stages DROP COLUMN auto_participant_recording`);
  }
}

/** Every migration the host must list, in order. */
export const ivsEmulatorMigrations: Function[] = [
  IvsEmulatorSchema1763800000000,
  IvsEmulatorStreamKeyQuota1763800610000,
  IvsEmulatorChannelSrt1763800620000,
  IvsEmulatorCompositions1763800750000,
  IvsEmulatorParticipantRecording1763800770000,
];
