import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Multistream destinations of a channel. The stream key is stored only sealed (AES-256-GCM under
 * MULTISTREAM_KEY). The lease columns make one relay per destination across replicas: a node
 * relays only while it holds an unexpired lease, taken and renewed with one conditional UPDATE.
 * `status` is what the studio shows (written by the node holding the lease).
 */
export class Multistream1763800780000 implements MigrationInterface {
  name = 'Multistream1763800780000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE multistream_destinations (
      id uuid PRIMARY KEY,
      channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      kind text NOT NULL CONSTRAINT multistream_destinations_kind CHECK (kind IN ('youtube', 'twitch', 'facebook', 'custom')),
      name text NOT NULL CONSTRAINT multistream_destinations_name CHECK (char_length(name) BETWEEN 1 AND 60),
      url text NOT NULL CONSTRAINT multistream_destinations_url CHECK (url ~ '^rtmps?://' AND char_length(url) <= 512),
      key_sealed text NOT NULL,
      key_hint text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      status jsonb NOT NULL,
      lease_node text,
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX multistream_destinations_channel_idx ON multistream_destinations (channel_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS multistream_destinations`);
  }
}
