import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chat (messages kept per broadcast for VOD replay, per-channel slow mode), chat sanctions
 * (bans and time-outs by account, channel or site-wide) and the moderation audit trail.
 */
export class ChatModeration1763800200000 implements MigrationInterface {
  name = 'ChatModeration1763800200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE chat_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      stream_id text,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      text text NOT NULL CONSTRAINT chat_messages_text_length CHECK (char_length(text) BETWEEN 1 AND 500),
      sent_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      deleted_at timestamptz,
      deleted_by uuid REFERENCES users(id) ON DELETE SET NULL
    )`);
    await q.query(`CREATE INDEX chat_messages_channel_recent_idx ON chat_messages (channel_id, sent_at DESC, id DESC)`);
    await q.query(`CREATE INDEX chat_messages_stream_replay_idx ON chat_messages (channel_id, stream_id, sent_at, id)`);
    // Rate limit and slow mode look at one sender's latest messages.
    await q.query(`CREATE INDEX chat_messages_sender_recent_idx ON chat_messages (user_id, sent_at DESC)`);

    await q.query(`CREATE TABLE chat_settings (
      channel_id uuid PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
      slow_mode_seconds integer NOT NULL DEFAULT 0 CONSTRAINT chat_settings_slow_mode_range CHECK (slow_mode_seconds BETWEEN 0 AND 3600),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    await q.query(`CREATE TABLE chat_sanctions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      channel_id uuid REFERENCES channels(id) ON DELETE CASCADE,
      kind text NOT NULL CONSTRAINT chat_sanctions_kind CHECK (kind IN ('ban', 'timeout')),
      reason text NOT NULL DEFAULT '',
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      lifted_at timestamptz,
      lifted_by uuid REFERENCES users(id) ON DELETE SET NULL,
      CONSTRAINT chat_sanctions_timeout_expires CHECK (kind = 'ban' OR expires_at IS NOT NULL)
    )`);
    // Every send checks the sender's unlifted sanctions (channel_id NULL = site-wide).
    await q.query(`CREATE INDEX chat_sanctions_active_idx ON chat_sanctions (user_id, channel_id) WHERE lifted_at IS NULL`);

    await q.query(`CREATE TABLE moderation_audit (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
      actor_username text NOT NULL,
      action text NOT NULL,
      target_kind text NOT NULL CONSTRAINT moderation_audit_target_kind CHECK (target_kind IN ('channel', 'stage', 'user', 'message')),
      target_id text NOT NULL,
      target_name text NOT NULL,
      channel text,
      reason text NOT NULL DEFAULT '',
      details jsonb NOT NULL DEFAULT '{}',
      at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    )`);
    await q.query(`CREATE INDEX moderation_audit_recent_idx ON moderation_audit (at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS moderation_audit`);
    await q.query(`DROP TABLE IF EXISTS chat_sanctions`);
    await q.query(`DROP TABLE IF EXISTS chat_settings`);
    await q.query(`DROP TABLE IF EXISTS chat_messages`);
  }
}
