import type { Socket } from 'socket.io-client';
import type { ActorRole } from '../../src/auth/authorization';
import { commandId, expectOk, studio } from './studio-client';
import { call, register } from './test-app';
import type { TestSql } from './use-test-app';

/**
 * Valid sample payloads for the authorization matrix test
 * (server/test/authorization-matrix.e2e-spec.ts), one per socket command. Each feature
 * registers its samples here with `registerSamples`; the test sends every sample as every
 * role and checks allowed → not `auth/forbidden`, forbidden → `auth/forbidden` + same state.
 */

/** One cell: the target (a fresh owner's stage and channel) and a socket acting as `role` on it. */
export interface MatrixCell {
  role: ActorRole;
  /** Connected with that role's credentials (none for anonymous). */
  socket: Socket;
  base: string;
  pg: TestSql;
  /** The owner: host of the stage, owner of the channel (both named after them). */
  owner: { accessToken: string; user: { id: string; username: string } };
  /** A socket of the owner, for setting up state before the cell's command. */
  hostSocket: Socket;
  stage: string;
  stageId: string;
  channel: string;
  channelId: string;
  /** A seated guest (registered user) that commands may act on (remove, mute, …). */
  target: { userId: string; username: string };
  /** The acting user's id and token, when the role is a signed-in one. */
  actor: { userId: string | null; accessToken: string | null; guestId: string | null };
}

export interface MatrixSample {
  command: string;
  /** A payload valid for this cell (may set up state first, e.g. an invite for the actor). */
  payload(cell: MatrixCell): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** What a forbidden command must leave unchanged (read before and after it). */
  state(cell: MatrixCell): Promise<unknown>;
}

export const MATRIX_SAMPLES = new Map<string, MatrixSample>();

export function registerSamples(...samples: MatrixSample[]): void {
  for (const s of samples) MATRIX_SAMPLES.set(s.command, s);
}

// ---------------------------------------------------------------- studio

/** Everything a studio command can change: document version, real-time gate, tokens, links. */
async function studioState(cell: MatrixCell): Promise<unknown> {
  const r = await cell.pg.query(
    `SELECT d.version, s.is_live,
       (SELECT count(*)::int FROM stage_tokens t WHERE t.stage_id = s.id) AS tokens,
       (SELECT count(*)::int FROM studio_invite_links l WHERE l.stage_id = s.id AND l.revoked_at IS NULL) AS links
     FROM stages s LEFT JOIN studio_documents d ON d.stage_id = s.id WHERE s.id = $1`,
    [cell.stageId],
  );
  return r.rows[0];
}

const studioSample = (command: string, payload: MatrixSample['payload']): MatrixSample => ({ command, payload, state: studioState });

/** An open invite for a fresh registered user (something to revoke). */
async function freshInvite(cell: MatrixCell): Promise<string> {
  const u = await register(cell.base);
  return expectOk(
    await studio<{ inviteId: string }>(cell.hostSocket, 'studio:invite', { stage: cell.stage, username: u.user.username, role: 'guest' }),
  ).inviteId;
}

/** A link guest waiting in the green room (someone to admit). */
async function waitingGuest(cell: MatrixCell): Promise<string> {
  const link = expectOk(
    await studio<{ code: string }>(cell.hostSocket, 'studio:link-create', { stage: cell.stage, maxUses: 1, expiresInMinutes: 10 }),
  );
  const joined = await call(cell.base, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Waiting Wendy' });
  return joined.body.guestId as string;
}

registerSamples(
  studioSample('studio:join', (c) => ({ stage: c.stage })),
  studioSample('studio:snapshot', (c) => ({ stage: c.stage })),
  studioSample('studio:leave', (c) => ({ stage: c.stage })),
  studioSample('studio:invite', async (c) => ({
    stage: c.stage,
    commandId: commandId(),
    username: (await register(c.base)).user.username,
    role: 'guest',
  })),
  studioSample('studio:invite-revoke', async (c) => ({ stage: c.stage, commandId: commandId(), inviteId: await freshInvite(c) })),
  studioSample('studio:invite-respond', async (c) => {
    // A signed-in actor without a seat answers their own invite; others name one that is not theirs.
    let inviteId = 'no-such-invite';
    if (c.actor.userId && ['viewer', 'moderator', 'admin'].includes(c.role)) {
      const username = (await c.pg.query('SELECT username FROM users WHERE id = $1', [c.actor.userId])).rows[0].username as string;
      inviteId = expectOk(
        await studio<{ inviteId: string }>(c.hostSocket, 'studio:invite', { stage: c.stage, username, role: 'guest' }),
      ).inviteId;
    }
    return { stage: c.stage, commandId: commandId(), inviteId, accept: false };
  }),
  studioSample('studio:link-create', (c) => ({ stage: c.stage, commandId: commandId(), maxUses: 3, expiresInMinutes: 10 })),
  studioSample('studio:link-revoke', async (c) => {
    const link = expectOk(
      await studio<{ linkId: string }>(c.hostSocket, 'studio:link-create', { stage: c.stage, maxUses: 1, expiresInMinutes: 10 }),
    );
    return { stage: c.stage, commandId: commandId(), linkId: link.linkId };
  }),
  studioSample('studio:admit', async (c) => ({ stage: c.stage, commandId: commandId(), guestId: await waitingGuest(c), admit: true })),
  studioSample('studio:remove', (c) => ({ stage: c.stage, commandId: commandId(), memberId: c.target.userId, reason: 'matrix' })),
  studioSample('studio:set-role', (c) => ({ stage: c.stage, commandId: commandId(), memberId: c.target.userId, role: 'cohost' })),
  studioSample('studio:set-status', (c) => ({ stage: c.stage, commandId: commandId(), memberId: c.target.userId, status: 'on-air' })),
  studioSample('studio:layout', (c) => ({
    stage: c.stage,
    commandId: commandId(),
    patch: { nameTags: false, banner: { text: `by ${c.role}`, visible: true } },
  })),
  studioSample('studio:brand', (c) => ({ stage: c.stage, commandId: commandId(), patch: { primary: '#336699', lowerThird: 'box' } })),
  studioSample('studio:hand', (c) => ({ stage: c.stage, commandId: commandId(), raised: true })),
  studioSample('studio:screen-share', (c) => ({ stage: c.stage, commandId: commandId(), sharing: false })),
  studioSample('studio:mute', (c) => ({ stage: c.stage, commandId: commandId(), memberId: c.target.userId, muted: true })),
  // In the cloud: any director may go live that way (only the owner's browser may send the programme).
  studioSample('studio:broadcast', (c) => ({ stage: c.stage, commandId: commandId(), action: 'start', programme: 'cloud' })),
  studioSample('studio:programme', (c) => ({ stage: c.stage, commandId: commandId(), source: 'cloud' })),
  studioSample('studio:failover', (c) => ({ stage: c.stage, commandId: commandId(), enabled: false })),
  studioSample('studio:realtime', (c) => ({ stage: c.stage, commandId: commandId(), open: true })),
  studioSample('studio:scene', (c) => ({ stage: c.stage, commandId: commandId(), patch: { active: 'brb' } })),
  studioSample('studio:programme-volume', (c) => ({ stage: c.stage, commandId: commandId(), memberId: c.target.userId, volume: 40 })),
  // A message of the channel's chat (written by the seated target) to put on screen.
  studioSample('studio:comment', async (c) => {
    const r = await c.pg.query(`INSERT INTO chat_messages (channel_id, user_id, text) VALUES ($1, $2, 'on screen?') RETURNING id`, [
      c.channelId,
      c.target.userId,
    ]);
    return { stage: c.stage, commandId: commandId(), messageId: r.rows[0].id as string };
  }),
);

// ---------------------------------------------------------------- backstage chat

/** Backstage messages of the cell's stage (a forbidden send must store none). */
async function backstageState(c: MatrixCell): Promise<unknown> {
  const r = await c.pg.query('SELECT count(*)::int AS n FROM studio_backstage_messages WHERE stage_id = $1', [c.stageId]);
  return { messages: r.rows[0].n as number, studio: await studioState(c) };
}

registerSamples(
  {
    command: 'studio:backstage-send',
    payload: (c) => ({ stage: c.stage, commandId: commandId(), text: `backstage hello from ${c.role}` }),
    state: backstageState,
  },
  { command: 'studio:backstage-history', payload: (c) => ({ stage: c.stage }), state: backstageState },
);

// ---------------------------------------------------------------- session

registerSamples({ command: 'session:whoami', payload: () => ({}), state: async () => null });

// Watch / chat / moderation samples are registered below by their feature (same shape).

// ---------------------------------------------------------------- watch, chat, moderation

const auditCount = async (c: MatrixCell) => (await c.pg.query('SELECT count(*)::int AS n FROM moderation_audit')).rows[0].n as number;

/** Chat state of the cell's channel: live messages, unlifted sanctions, slow mode, audit rows. */
async function chatState(c: MatrixCell): Promise<unknown> {
  const r = await c.pg.query(
    `SELECT (SELECT count(*)::int FROM chat_messages WHERE channel_id = $1 AND deleted_at IS NULL) AS messages,
            (SELECT count(*)::int FROM chat_sanctions WHERE (channel_id = $1 OR channel_id IS NULL) AND lifted_at IS NULL) AS sanctions,
            (SELECT slow_mode_seconds FROM chat_settings WHERE channel_id = $1) AS slow_mode`,
    [c.channelId],
  );
  return { ...r.rows[0], audit: await auditCount(c) };
}

/** A message by the owner, written directly (the owner's own sends would hit the chat rate limit across cells). */
async function ownerMessage(c: MatrixCell): Promise<string> {
  const r = await c.pg.query(`INSERT INTO chat_messages (channel_id, user_id, text) VALUES ($1, $2, 'matrix message') RETURNING id`, [
    c.channelId,
    c.owner.user.id,
  ]);
  return r.rows[0].id as string;
}

async function banned(c: MatrixCell, channelId: string | null): Promise<void> {
  await c.pg.query(`INSERT INTO chat_sanctions (user_id, channel_id, kind, reason) VALUES ($1, $2, 'ban', 'matrix')`, [
    c.target.userId,
    channelId,
  ]);
}

const chatSample = (command: string, payload: MatrixSample['payload']): MatrixSample => ({ command, payload, state: chatState });

async function moderationState(c: MatrixCell): Promise<unknown> {
  const r = await c.pg.query(
    `SELECT c.stream_key_value, s.is_live, d.version FROM channels c JOIN stages s ON s.user_id = c.user_id
     LEFT JOIN studio_documents d ON d.stage_id = s.id WHERE c.id = $1`,
    [c.channelId],
  );
  return { ...r.rows[0], chat: await chatState(c) };
}

registerSamples(
  { command: 'watch:join', payload: (c) => ({ channel: c.channel }), state: async () => null },
  { command: 'watch:leave', payload: (c) => ({ channel: c.channel }), state: async () => null },
  { command: 'watch:show', payload: (c) => ({ channel: c.channel }), state: async () => null },
  chatSample('chat:send', (c) => ({ channel: c.channel, text: `hello from ${c.role}` })),
  chatSample('chat:delete', async (c) => ({ channel: c.channel, messageId: await ownerMessage(c), reason: 'matrix' })),
  chatSample('chat:timeout', (c) => ({ channel: c.channel, username: c.target.username, seconds: 60, reason: 'matrix' })),
  chatSample('chat:ban', (c) => ({ channel: c.channel, username: c.target.username, reason: 'matrix' })),
  chatSample('chat:unban', async (c) => {
    await banned(c, c.channelId);
    return { channel: c.channel, username: c.target.username };
  }),
  chatSample('chat:slow-mode', (c) => ({ channel: c.channel, seconds: 7 })),
  { command: 'moderation:subscribe', payload: () => ({}), state: async () => null },
  { command: 'moderation:unsubscribe', payload: () => ({}), state: async () => null },
  {
    command: 'moderation:stop-stream',
    payload: (c) => ({ channel: c.channel, rotateKey: true, reason: 'matrix' }),
    state: moderationState,
  },
  {
    command: 'moderation:remove-member',
    payload: (c) => ({ stage: c.stage, memberId: c.target.userId, reason: 'matrix' }),
    state: moderationState,
  },
  { command: 'moderation:close-realtime', payload: (c) => ({ stage: c.stage, reason: 'matrix' }), state: moderationState },
  { command: 'moderation:ban-site', payload: (c) => ({ username: c.target.username, reason: 'matrix' }), state: moderationState },
  {
    command: 'moderation:unban-site',
    payload: async (c) => {
      await banned(c, null);
      return { username: c.target.username };
    },
    state: moderationState,
  },
);
