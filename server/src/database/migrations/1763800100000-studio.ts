import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The studio: one versioned document per stage, the commands already applied (so a retried
 * command is applied once, whichever node it reaches), invite links (codes stored hashed),
 * and who each participant token was minted for.
 */
export class Studio1763800100000 implements MigrationInterface {
  name = 'Studio1763800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE studio_documents (
      stage_id uuid PRIMARY KEY REFERENCES stages(id) ON DELETE CASCADE,
      version integer NOT NULL,
      document jsonb NOT NULL,
      next_expiry_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX studio_documents_expiry_idx ON studio_documents (next_expiry_at) WHERE next_expiry_at IS NOT NULL`);

    await q.query(`CREATE TABLE studio_commands (
      actor_key text NOT NULL,
      command_id text NOT NULL,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      command text NOT NULL,
      version integer NOT NULL,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT studio_commands_pk PRIMARY KEY (actor_key, command_id)
    )`);
    await q.query(`CREATE INDEX studio_commands_created_idx ON studio_commands (created_at)`);

    await q.query(`CREATE TABLE studio_invite_links (
      id uuid PRIMARY KEY,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      max_uses integer NOT NULL CHECK (max_uses > 0),
      uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX studio_invite_links_code_uq ON studio_invite_links (code_hash)`);

    // Member (`member:<id>`) and viewer (`viewer:<id>`) tokens; the owner's keep holder NULL.
    await q.query(`ALTER TABLE stage_tokens ADD COLUMN holder text`);
    await q.query(`CREATE INDEX stage_tokens_holder_idx ON stage_tokens (stage_id, holder, expires_at DESC) WHERE holder IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stage_tokens DROP COLUMN holder`);
    await q.query(`DROP TABLE studio_invite_links`);
    await q.query(`DROP TABLE studio_commands`);
    await q.query(`DROP TABLE studio_documents`);
  }
}
