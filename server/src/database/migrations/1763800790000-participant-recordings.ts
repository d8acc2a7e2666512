import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Individual participant recordings (IVS `IVS Participant Recording State Change`), one row per
 * recording, keyed by its S3 prefix (unique per recording). Start and End merge in any order
 * (earliest start, latest end), so late, repeated or swapped events give the same row. Who
 * it is (member, account, name) is read from the token the server minted when the first
 * event arrives, and kept: the token may be gone when a late event comes.
 */
export class ParticipantRecordings1763800790000 implements MigrationInterface {
  name = 'ParticipantRecordings1763800790000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE participant_recordings (
      key_prefix text PRIMARY KEY,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      stage_arn text NOT NULL,
      session_id text NOT NULL,
      participant_id text NOT NULL,
      member_id text,
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      display_name text,
      screen boolean NOT NULL DEFAULT false,
      bucket_name text,
      started_at timestamptz,
      start_event_id text,
      ended_at timestamptz,
      end_event_id text,
      failed_at timestamptz,
      failure_event_id text,
      failure text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX participant_recordings_stage_idx ON participant_recordings (stage_id, started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS participant_recordings`);
  }
}
