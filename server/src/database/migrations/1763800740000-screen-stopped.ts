import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stopping a screen share disconnects the screen's participants on both stages (before the
 * change is acknowledged, like leaving the air), under a reason of its own: a browser that
 * keeps sending after the member pressed "Stop sharing" is cut off by the server.
 */
export class ScreenStopped1763800740000 implements MigrationInterface {
  name = 'ScreenStopped1763800740000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stage_disconnects DROP CONSTRAINT stage_disconnects_reason`);
    await q.query(
      `ALTER TABLE stage_disconnects ADD CONSTRAINT stage_disconnects_reason CHECK (reason IN ('realtime-closed', 'member-removed', 'member-off-air', 'screen-stopped'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM stage_disconnects WHERE reason = 'screen-stopped'`);
    await q.query(`ALTER TABLE stage_disconnects DROP CONSTRAINT stage_disconnects_reason`);
    await q.query(
      `ALTER TABLE stage_disconnects ADD CONSTRAINT stage_disconnects_reason CHECK (reason IN ('realtime-closed', 'member-removed', 'member-off-air'))`,
    );
  }
}
