import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Participants to disconnect from an IVS stage, written in the same transaction as the change
 * that requires it (closing real-time viewing, removing a member) and worked off at the rate
 * IVS allows, so a restart half-way leaves nobody connected. Rows of one change share a batch
 * (the host's progress); a node claims rows for a while (`claimed_until`) so two nodes do not
 * send the same call, and a dead node's claims lapse.
 */
export class StageDisconnects1763800710000 implements MigrationInterface {
  name = 'StageDisconnects1763800710000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE stage_disconnects (
      id bigserial PRIMARY KEY,
      batch_id uuid NOT NULL,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      stage_arn text NOT NULL,
      participant_id text NOT NULL,
      reason text NOT NULL CONSTRAINT stage_disconnects_reason CHECK (reason IN ('realtime-closed', 'member-removed')),
      attempts int NOT NULL DEFAULT 0,
      not_before timestamptz NOT NULL DEFAULT now(),
      claimed_until timestamptz,
      done_at timestamptz,
      failed boolean NOT NULL DEFAULT false,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX stage_disconnects_pending_idx ON stage_disconnects (not_before, id) WHERE done_at IS NULL`);
    await q.query(`CREATE INDEX stage_disconnects_batch_idx ON stage_disconnects (batch_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS stage_disconnects`);
  }
}
