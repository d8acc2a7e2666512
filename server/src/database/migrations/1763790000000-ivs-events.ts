import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the IVS event pipeline needs beyond the foundation: the stamps that make every
 * stream column order-independent, stage participant publish state, composition state
 * and kept limit breaches.
 */
export class IvsEvents1763790000000 implements MigrationInterface {
  name = 'IvsEvents1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE streams
      ADD COLUMN start_event_id text,
      ADD COLUMN end_event_id text,
      ADD COLUMN session_created_at timestamptz,
      ADD COLUMN session_ended_at timestamptz,
      ADD COLUMN offline_at timestamptz,
      ADD COLUMN health text CHECK (health IN ('HEALTHY', 'STARVING')),
      ADD COLUMN health_at timestamptz,
      ADD COLUMN health_rank smallint,
      ADD COLUMN health_event_id text,
      ADD COLUMN recording_failed_at timestamptz`);
    // The two lookups that decide a channel's live state: its newest Start, and Ends whose Start is missing.
    await q.query(
      `CREATE INDEX streams_channel_started_idx ON streams (channel_id, started_at DESC, start_event_id DESC) WHERE started_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX streams_channel_startless_idx ON streams (channel_id) WHERE started_at IS NULL`);

    await q.query(`CREATE TABLE stage_participants (
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      participant_id text NOT NULL,
      session_id text NOT NULL,
      user_id text,
      state text NOT NULL CHECK (state IN ('published', 'unpublished', 'publish-error')),
      error_code text,
      state_at timestamptz NOT NULL,
      state_rank smallint NOT NULL,
      state_event_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT stage_participants_pk PRIMARY KEY (stage_id, participant_id)
    )`);
    await q.query(`CREATE INDEX stage_participants_published_idx ON stage_participants (stage_id) WHERE state = 'published'`);

    await q.query(`CREATE TABLE stage_compositions (
      composition_arn text NOT NULL CONSTRAINT stage_compositions_pk PRIMARY KEY,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      state text NOT NULL,
      state_at timestamptz NOT NULL,
      state_rank smallint NOT NULL,
      state_event_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX stage_compositions_stage_idx ON stage_compositions (stage_id, state_at DESC)`);

    await q.query(`CREATE TABLE channel_limit_breaches (
      event_id text NOT NULL CONSTRAINT channel_limit_breaches_pk PRIMARY KEY,
      channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      limit_name text NOT NULL,
      limit_value double precision NOT NULL,
      exceeded_by double precision NOT NULL,
      limit_unit text,
      occurred_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX channel_limit_breaches_recent_idx ON channel_limit_breaches (channel_id, occurred_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS channel_limit_breaches`);
    await q.query(`DROP TABLE IF EXISTS stage_compositions`);
    await q.query(`DROP TABLE IF EXISTS stage_participants`);
    await q.query(`DROP INDEX IF EXISTS streams_channel_startless_idx`);
    await q.query(`DROP INDEX IF EXISTS streams_channel_started_idx`);
    await q.query(`ALTER TABLE streams
      DROP COLUMN start_event_id, DROP COLUMN end_event_id, DROP COLUMN session_created_at, DROP COLUMN session_ended_at,
      DROP COLUMN offline_at, DROP COLUMN health, DROP COLUMN health_at, DROP COLUMN health_rank, DROP COLUMN health_event_id,
      DROP COLUMN recording_failed_at`);
  }
}
