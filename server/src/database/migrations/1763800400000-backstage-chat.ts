import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The studio's private backstage chat. The sender's name and role are copied in, so the
 * history reads the same after they leave; (stage, sender, command id) is unique, so a
 * retried send is stored once.
 */
export class BackstageChat1763800400000 implements MigrationInterface {
  name = 'BackstageChat1763800400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE studio_backstage_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      sender_key text NOT NULL,
      command_id text NOT NULL,
      member_id text NOT NULL,
      display_name text NOT NULL,
      role text NOT NULL CONSTRAINT studio_backstage_messages_role CHECK (role IN ('host', 'cohost', 'guest')),
      text text NOT NULL CONSTRAINT studio_backstage_messages_text_length CHECK (char_length(text) BETWEEN 1 AND 500),
      sent_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      CONSTRAINT studio_backstage_messages_command_uq UNIQUE (stage_id, sender_key, command_id)
    )`);
    await q.query(`CREATE INDEX studio_backstage_messages_recent_idx ON studio_backstage_messages (stage_id, sent_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS studio_backstage_messages`);
  }
}
