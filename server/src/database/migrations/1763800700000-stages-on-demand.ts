import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IVS stages are created when a studio first needs one and given back when it is idle (AWS's
 * default is 100 stages per region). The `stages` row stays the studio's identity; the IVS
 * stage behind it moves to `ivs_stages`, one row per (studio, kind) while it exists, so a
 * studio can later hold a second, public "show" stage. Existing stages keep their ARN (the
 * idle sweeper may give them back). Tokens remember the ARN they were minted for: a token
 * of a stage that was given back is never handed out again.
 */
export class StagesOnDemand1763800700000 implements MigrationInterface {
  name = 'StagesOnDemand1763800700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ivs_stages (
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      kind text NOT NULL CONSTRAINT ivs_stages_kind CHECK (kind IN ('studio')),
      arn text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ivs_stages_pk PRIMARY KEY (stage_id, kind)
    )`);
    await q.query(`CREATE UNIQUE INDEX ivs_stages_arn_uq ON ivs_stages (arn)`);
    await q.query(`CREATE INDEX ivs_stages_idle_idx ON ivs_stages (last_used_at)`);
    await q.query(`INSERT INTO ivs_stages (stage_id, kind, arn, created_at, last_used_at)
      SELECT id, 'studio', arn, created_at, now() FROM stages`);

    await q.query(`ALTER TABLE stage_tokens ADD COLUMN stage_arn text`);
    await q.query(`UPDATE stage_tokens t SET stage_arn = s.arn FROM stages s WHERE s.id = t.stage_id`);
    await q.query(`ALTER TABLE stage_tokens ALTER COLUMN stage_arn SET NOT NULL`);
    await q.query(`CREATE INDEX stage_tokens_arn_idx ON stage_tokens (stage_arn)`);

    await q.query(`DROP INDEX stages_arn_uq`);
    await q.query(`ALTER TABLE stages DROP COLUMN arn`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old schema needs an ARN on every studio: one without an IVS stage gets a placeholder that names none.
    await q.query(`ALTER TABLE stages ADD COLUMN arn text`);
    await q.query(`UPDATE stages s SET arn = i.arn FROM ivs_stages i WHERE i.stage_id = s.id AND i.kind = 'studio'`);
    await q.query(`UPDATE stages SET arn = 'unprovisioned:' || id WHERE arn IS NULL`);
    await q.query(`ALTER TABLE stages ALTER COLUMN arn SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX stages_arn_uq ON stages (arn)`);
    await q.query(`DROP INDEX stage_tokens_arn_idx`);
    await q.query(`ALTER TABLE stage_tokens DROP COLUMN stage_arn`);
    await q.query(`DROP TABLE ivs_stages`);
  }
}
