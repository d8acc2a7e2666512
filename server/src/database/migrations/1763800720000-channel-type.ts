import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The IVS type each channel was created with, so the studio's broadcast preset matches what
 * the channel accepts (a BASIC channel takes at most 480p). Channels made before this were
 * created with IVS_CHANNEL_TYPE's default, STANDARD.
 */
export class ChannelType1763800720000 implements MigrationInterface {
  name = 'ChannelType1763800720000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channels ADD COLUMN type text NOT NULL DEFAULT 'STANDARD'
      CONSTRAINT channels_type CHECK (type IN ('BASIC', 'STANDARD', 'ADVANCED_SD', 'ADVANCED_HD'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channels DROP COLUMN type`);
  }
}
