import { MigrationInterface, QueryRunner } from 'typeorm';

/** Viewers follow channels; followed channels come first on the home page. */
export class Follows1763800300000 implements MigrationInterface {
  name = 'Follows1763800300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE follows (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT follows_pk PRIMARY KEY (user_id, channel_id)
    )`);
    await q.query(`CREATE INDEX follows_channel_idx ON follows (channel_id)`);
    await q.query(`CREATE INDEX streams_recent_vod_idx ON streams (recording_ended_at DESC) WHERE recording_ended_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS streams_recent_vod_idx`);
    await q.query(`DROP TABLE IF EXISTS follows`);
  }
}
