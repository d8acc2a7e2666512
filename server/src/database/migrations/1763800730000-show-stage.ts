import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A studio's second IVS stage, the public "show" stage: only on-air members publish there and
 * real-time viewers subscribe there, so backstage media never reaches the audience. Made on
 * first need and given back like the studio stage (same table, kind 'show'). Taking a member
 * off air disconnects their show-stage participant durably, under a reason of its own.
 */
export class ShowStage1763800730000 implements MigrationInterface {
  name = 'ShowStage1763800730000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ivs_stages DROP CONSTRAINT ivs_stages_kind`);
    await q.query(`ALTER TABLE ivs_stages ADD CONSTRAINT ivs_stages_kind CHECK (kind IN ('studio', 'show'))`);
    await q.query(`ALTER TABLE stage_disconnects DROP CONSTRAINT stage_disconnects_reason`);
    await q.query(
      `ALTER TABLE stage_disconnects ADD CONSTRAINT stage_disconnects_reason CHECK (reason IN ('realtime-closed', 'member-removed', 'member-off-air'))`,
    );
    // Viewers held tokens on the studio stage until now: they must not keep watching backstage
    // (their page asks again and is given a show-stage token). One batch per studio.
    await q.query(`WITH batches AS (SELECT DISTINCT stage_id FROM stage_tokens WHERE holder LIKE 'viewer:%'),
                        ids AS (SELECT stage_id, gen_random_uuid() AS batch_id FROM batches)
      INSERT INTO stage_disconnects (batch_id, stage_id, stage_arn, participant_id, reason)
      SELECT ids.batch_id, t.stage_id, t.stage_arn, t.participant_id, 'realtime-closed'
        FROM stage_tokens t JOIN ids ON ids.stage_id = t.stage_id WHERE t.holder LIKE 'viewer:%'`);
    await q.query(`DELETE FROM stage_tokens WHERE holder LIKE 'viewer:%'`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old schema knows one stage per studio: show stages are forgotten (the orphan sweeper cannot know them; delete them in IVS by tag).
    await q.query(`DELETE FROM stage_tokens t USING ivs_stages i WHERE i.kind = 'show' AND t.stage_arn = i.arn`);
    await q.query(`DELETE FROM ivs_stages WHERE kind = 'show'`);
    await q.query(`DELETE FROM stage_disconnects WHERE reason = 'member-off-air'`);
    await q.query(`ALTER TABLE stage_disconnects DROP CONSTRAINT stage_disconnects_reason`);
    await q.query(
      `ALTER TABLE stage_disconnects ADD CONSTRAINT stage_disconnects_reason CHECK (reason IN ('realtime-closed', 'member-removed'))`,
    );
    await q.query(`ALTER TABLE ivs_stages DROP CONSTRAINT ivs_stages_kind`);
    await q.query(`ALTER TABLE ivs_stages ADD CONSTRAINT ivs_stages_kind CHECK (kind IN ('studio'))`);
  }
}
