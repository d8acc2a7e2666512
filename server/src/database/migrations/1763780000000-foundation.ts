import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, channels, stages, tokens, streams, categories and the IVS event ledger. */
export class Foundation1763780000000 implements MigrationInterface {
  name = 'Foundation1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username text NOT NULL CHECK (username ~ '^[a-z0-9_-]{3,32}$'),
      password_hash text NOT NULL,
      role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX users_username_lower_uq ON users (lower(username))`);

    await q.query(`CREATE TABLE categories (
      id serial PRIMARY KEY,
      name text NOT NULL,
      slug text NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX categories_slug_uq ON categories (slug)`);
    await q.query(`INSERT INTO categories (name, slug) VALUES
      ('Talk Shows & Podcasts', 'talk-shows-podcasts'),
      ('Just Chatting', 'just-chatting'),
      ('Live Shopping', 'live-shopping'),
      ('Sports & Gaming', 'sports-gaming'),
      ('Conferences & Events', 'conferences-events')`);

    await q.query(`CREATE TABLE channels (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name text NOT NULL,
      arn text NOT NULL,
      ingest_endpoint text NOT NULL,
      playback_url text NOT NULL,
      stream_key_arn text NOT NULL,
      stream_key_value text NOT NULL,
      title text NOT NULL DEFAULT '',
      category_id int REFERENCES categories(id) ON DELETE SET NULL,
      is_live boolean NOT NULL DEFAULT false,
      live_state_at timestamptz,
      live_state_event_id text,
      current_stream_id text,
      health text NOT NULL DEFAULT 'UNKNOWN',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX channels_user_uq ON channels (user_id)`);
    await q.query(`CREATE UNIQUE INDEX channels_name_uq ON channels (lower(name))`);
    await q.query(`CREATE UNIQUE INDEX channels_arn_uq ON channels (arn)`);
    await q.query(`CREATE INDEX channels_live_idx ON channels (is_live) WHERE is_live`);

    await q.query(`CREATE TABLE stages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name text NOT NULL,
      arn text NOT NULL,
      is_live boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX stages_user_uq ON stages (user_id)`);
    await q.query(`CREATE UNIQUE INDEX stages_name_uq ON stages (lower(name))`);
    await q.query(`CREATE UNIQUE INDEX stages_arn_uq ON stages (arn)`);

    await q.query(`CREATE TABLE stage_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      stage_id uuid NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
      user_id uuid REFERENCES users(id) ON DELETE CASCADE,
      participant_id text NOT NULL,
      token text NOT NULL,
      capabilities text[] NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX stage_tokens_participant_uq ON stage_tokens (participant_id)`);
    await q.query(`CREATE INDEX stage_tokens_lookup_idx ON stage_tokens (stage_id, user_id, expires_at DESC)`);

    await q.query(`CREATE TABLE streams (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      stream_id text NOT NULL,
      title text NOT NULL DEFAULT '',
      category_id int REFERENCES categories(id) ON DELETE SET NULL,
      started_at timestamptz,
      ended_at timestamptz,
      end_reason text,
      recording_started_at timestamptz,
      recording_ended_at timestamptz,
      recording_duration_ms bigint,
      recording_key_prefix text,
      recording_failure_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX streams_stream_id_uq ON streams (stream_id)`);
    await q.query(`CREATE INDEX streams_channel_recent_idx ON streams (channel_id, created_at DESC, id DESC)`);

    await q.query(`CREATE TABLE ivs_events (
      id text PRIMARY KEY,
      detail_type text NOT NULL,
      name text,
      resource_arn text,
      event_time timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      outcome text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'ignored', 'orphan')),
      payload jsonb NOT NULL
    )`);
    await q.query(`CREATE INDEX ivs_events_resource_idx ON ivs_events (resource_arn, event_time DESC)`);

    await q.query(`CREATE TABLE orphaned_media_resources (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('channel', 'stage')),
      arn text NOT NULL,
      attempts int NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX orphaned_media_resources_arn_uq ON orphaned_media_resources (arn)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['orphaned_media_resources', 'ivs_events', 'streams', 'stage_tokens', 'stages', 'channels', 'categories', 'users']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
