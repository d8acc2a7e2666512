import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A retried studio command is answered only on the stage it was applied to: the record's key
 * becomes (actor, stage, command id). Invite-link codes kept in the records' acks are scrubbed
 * (a retry re-derives the code from the link id). The links in each studio document learn who
 * created them, so removing that member can revoke them.
 */
export class StudioCommandScope1763800560000 implements MigrationInterface {
  name = 'StudioCommandScope1763800560000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE studio_commands DROP CONSTRAINT studio_commands_pk`);
    await q.query(`ALTER TABLE studio_commands ADD CONSTRAINT studio_commands_pk PRIMARY KEY (actor_key, stage_id, command_id)`);
    await q.query(`UPDATE studio_commands SET result = result - 'code' WHERE result ? 'code'`);
    // Links were created by registered members (the creator's user id is their member id) or,
    // when a promoted link guest made one, by nobody the table recorded (null).
    await q.query(`
      UPDATE studio_documents d SET document = jsonb_set(d.document, '{links}', (
        SELECT coalesce(jsonb_agg(
                 l || jsonb_build_object('createdBy', (SELECT x.created_by::text FROM studio_invite_links x WHERE x.id::text = l->>'id'))
                 ORDER BY n), '[]'::jsonb)
        FROM jsonb_array_elements(d.document->'links') WITH ORDINALITY AS t(l, n)))
      WHERE jsonb_array_length(d.document->'links') > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The same command id on two stages cannot share the old key: keep the earliest record.
    await q.query(`DELETE FROM studio_commands c USING studio_commands o
      WHERE c.actor_key = o.actor_key AND c.command_id = o.command_id AND (c.created_at, c.stage_id) > (o.created_at, o.stage_id)`);
    await q.query(`ALTER TABLE studio_commands DROP CONSTRAINT studio_commands_pk`);
    await q.query(`ALTER TABLE studio_commands ADD CONSTRAINT studio_commands_pk PRIMARY KEY (actor_key, command_id)`);
    await q.query(`UPDATE studio_documents SET document = jsonb_set(document, '{links}', (
      SELECT coalesce(jsonb_agg(l - 'createdBy' ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(document->'links') WITH ORDINALITY AS t(l, n)))
      WHERE jsonb_array_length(document->'links') > 0`);
  }
}
