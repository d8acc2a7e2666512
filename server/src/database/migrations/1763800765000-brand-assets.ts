import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Brand images (logo, background, overlay), uploaded per studio and kept in PostgreSQL so
 * every replica serves them. Checked by content before they get here; the constraints repeat
 * the limits (2 MB, 4096 px) so no other path can store more.
 */
export class BrandAssets1763800765000 implements MigrationInterface {
  name = 'BrandAssets1763800765000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE brand_assets (
      id uuid PRIMARY KEY,
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      uploaded_by uuid REFERENCES users(id) ON DELETE SET NULL,
      content_type text NOT NULL CONSTRAINT brand_assets_content_type CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
      width integer NOT NULL CONSTRAINT brand_assets_width CHECK (width BETWEEN 1 AND 4096),
      height integer NOT NULL CONSTRAINT brand_assets_height CHECK (height BETWEEN 1 AND 4096),
      bytes integer NOT NULL,
      sha256 text NOT NULL,
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT brand_assets_bytes CHECK (bytes BETWEEN 1 AND 2097152 AND bytes = octet_length(data)),
      CONSTRAINT brand_assets_sha_uq UNIQUE (stage_id, sha256)
    )`);
    await q.query(`CREATE INDEX brand_assets_stage_idx ON brand_assets (stage_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS brand_assets`);
  }
}
