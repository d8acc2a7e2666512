import type { CompositionEvent, IvsEvent, LimitBreachEvent, ParticipantRecordingEvent, StageUpdateEvent } from '@streamcat/ivs-events';
import { emptyFacts, mergeParticipantRecording, ParticipantRecordingFacts } from '../participant-recordings/participant-recording-facts';
import type { StreamHealth } from '../channels/channel.entity';
import type { DomainEvent } from '../domain-events/domain-events';
import { ChannelLiveState, deriveChannelLiveState } from './channel-live-state';
import type { LedgerOutcome } from './ivs-event-ledger.entity';
import { CompositionRow, mergeCompositionEvent, mergeParticipantEvent, ParticipantRow, publishStateOf } from './participant-state';
import { emptyStreamRow, mergeStreamEvent, recordingReady, sameStreamRow, StreamEvent, StreamRow } from './stream-facts';

/**
 * The SQL of the pipeline, over a bare `pg` client so the benchmark's baseline can run the
 * very same statements. Every function here runs inside a transaction the caller opened.
 */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface ApplyContext {
  playlistUrl(keyPrefix: string): string;
}

export interface ApplyResult {
  outcome: LedgerOutcome;
  /** To publish after COMMIT (never before: a rolled-back change must not be announced). */
  events: DomainEvent[];
}

const NOTHING: DomainEvent[] = [];

interface ChannelRow {
  id: string;
  arn: string;
  title: string;
  category_id: number | null;
  is_live: boolean;
  current_stream_id: string | null;
  health: StreamHealth;
  live_state_at: Date | null;
  live_state_event_id: string | null;
}

const LOCK_CHANNEL = `SELECT id, arn, title, category_id, is_live, current_stream_id, health, live_state_at, live_state_event_id
  FROM channels WHERE arn = $1 FOR UPDATE`;

/** Locking the channel row serialises every event of one channel, across requests and server replicas. */
async function lockChannel(sql: Sql, arn: string): Promise<ChannelRow | null> {
  const { rows } = await sql.query<ChannelRow>(LOCK_CHANNEL, [arn]);
  return rows[0] ?? null;
}

const LOCK_STAGE = `SELECT s.id, i.arn FROM ivs_stages i JOIN stages s ON s.id = i.stage_id WHERE i.arn = $1 FOR UPDATE OF s`;

/**
 * One round trip for what every event does first: lock the row it is about (`lock`, a
 * SELECT … FOR UPDATE on `$1`) and record the event in the ledger, with `outcomeIfFound`
 * when that row exists and `orphan` when it does not. The lock is taken before the insert
 * (the insert reads the locked set), as when they were two statements.
 */
function lockAndRecordSql(lock: string): string {
  return `WITH target AS (${lock}),
  recorded AS (
    INSERT INTO ivs_events (id, detail_type, name, resource_arn, event_time, outcome, payload)
    SELECT $2::text, $3::text, $4::text, $5::text, $6::timestamptz,
           CASE WHEN EXISTS (SELECT 1 FROM target) THEN $7::text ELSE 'orphan' END, $8::jsonb
    ON CONFLICT (id) DO NOTHING RETURNING outcome)
  SELECT target.*, (SELECT outcome FROM recorded) AS ledger_outcome FROM (SELECT 1) AS one LEFT JOIN target ON true`;
}
const LOCK_CHANNEL_AND_RECORD = lockAndRecordSql(LOCK_CHANNEL);
const LOCK_STAGE_AND_RECORD = lockAndRecordSql(LOCK_STAGE);

/** The locked row (null: none, an orphan) and the ledger's outcome (`duplicate`: the id was already recorded). */
async function lockAndRecord<R extends { id: string }>(
  sql: Sql,
  statement: string,
  lockKey: string,
  entry: LedgerInput,
  outcomeIfFound: 'applied' | 'ignored',
): Promise<{ row: R | null; outcome: LedgerOutcome }> {
  const { rows } = await sql.query<R & { id: string | null; ledger_outcome: LedgerOutcome | null }>(statement, [
    lockKey,
    entry.id,
    entry.detailType,
    entry.name,
    entry.resourceArn,
    entry.time,
    outcomeIfFound,
    JSON.stringify(entry.payload),
  ]);
  const { ledger_outcome, ...row } = rows[0]!;
  return { row: row.id === null ? null : (row as unknown as R), outcome: ledger_outcome ?? 'duplicate' };
}

/** The ARN of the row an event locks first (its channel or stage), or its resource when it locks none. */
export function lockKeyOf(e: IvsEvent): string {
  switch (e.kind) {
    case 'stream-state':
    case 'recording':
    case 'stream-health':
      return e.channelArn;
    case 'stage-update':
    case 'composition':
    case 'participant-recording':
      return e.stageArn;
    case 'limit-breach':
      return e.resourceArn;
    case 'unhandled':
      return e.resources[0] ?? '';
  }
}

/**
 * Before a batch of events in one transaction: lock every channel and studio stage they
 * name, in one statement and in ARN order, so two batches (or two server replicas) that
 * share rows take them in the same order instead of deadlocking.
 */
export async function lockForBatch(sql: Sql, events: readonly IvsEvent[]): Promise<void> {
  const channels = new Set<string>();
  const stages = new Set<string>();
  for (const e of events) {
    if (e.kind === 'stream-state' || e.kind === 'recording' || e.kind === 'stream-health') channels.add(e.channelArn);
    else if (e.kind === 'stage-update' || e.kind === 'composition') stages.add(e.stageArn);
  }
  if (!channels.size && !stages.size) return;
  await sql.query(
    `WITH c AS (SELECT 1 FROM channels WHERE arn = ANY($1::text[]) ORDER BY arn FOR UPDATE),
          s AS (SELECT 1 FROM ivs_stages i JOIN stages s ON s.id = i.stage_id WHERE i.arn = ANY($2::text[]) ORDER BY i.arn FOR UPDATE OF s)
     SELECT (SELECT count(*) FROM c) AS channels, (SELECT count(*) FROM s) AS stages`,
    [[...channels].sort(), [...stages].sort()],
  );
}

interface LedgerInput {
  id: string;
  detailType: string;
  name: string | null;
  resourceArn: string | null;
  time: Date;
  payload: unknown;
}

/** Insert-or-ignore by envelope id: false means this id was already recorded (a redelivery). */
export async function recordInLedger(sql: Sql, entry: LedgerInput, outcome: Exclude<LedgerOutcome, 'duplicate'>): Promise<boolean> {
  const { rows } = await sql.query(
    `INSERT INTO ivs_events (id, detail_type, name, resource_arn, event_time, outcome, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING 1 AS inserted`,
    [entry.id, entry.detailType, entry.name, entry.resourceArn, entry.time, outcome, JSON.stringify(entry.payload)],
  );
  return rows.length === 1;
}

function ledgerEntry(e: IvsEvent): LedgerInput {
  const base = { id: e.id, detailType: e.detailType, time: e.time, payload: e.raw };
  switch (e.kind) {
    case 'stream-state':
    case 'recording':
    case 'stream-health':
      return { ...base, name: e.name, resourceArn: e.channelArn };
    case 'limit-breach':
      return { ...base, name: e.limitName, resourceArn: e.resourceArn };
    case 'stage-update':
      return { ...base, name: e.name, resourceArn: e.stageArn };
    case 'composition':
      return { ...base, name: e.name, resourceArn: e.compositionArn };
    case 'participant-recording':
      return { ...base, name: e.name, resourceArn: e.stageArn };
    case 'unhandled':
      return { ...base, name: e.name, resourceArn: e.resources[0] ?? null };
  }
}

/** Applies one parsed event and records it in the ledger; the caller wraps it in BEGIN/COMMIT. */
export async function applyIvsEvent(sql: Sql, e: IvsEvent, ctx: ApplyContext): Promise<ApplyResult> {
  switch (e.kind) {
    case 'stream-state':
    case 'recording':
    case 'stream-health':
      return applyStreamEvent(sql, e, ctx);
    case 'limit-breach':
      return applyLimitBreach(sql, e);
    case 'stage-update':
      return applyStageUpdate(sql, e);
    case 'composition':
      return applyComposition(sql, e);
    case 'participant-recording':
      return applyParticipantRecording(sql, e);
    case 'unhandled':
      return { outcome: (await recordInLedger(sql, ledgerEntry(e), 'ignored')) ? 'ignored' : 'duplicate', events: NOTHING };
  }
}

/**
 * The `streams` table's columns and the StreamRow field each holds, written once: the select
 * list, the row mapping and the upsert are derived from it. `fixed` columns are set when the
 * row is created and never rewritten (the title and category a broadcast started with).
 */
const STREAM_FIELDS = [
  { column: 'stream_id', field: 'streamId', fixed: true },
  { column: 'channel_id', field: 'channelId', fixed: true },
  { column: 'title', field: 'title', fixed: true },
  { column: 'category_id', field: 'categoryId', fixed: true },
  { column: 'started_at', field: 'startedAt' },
  { column: 'start_event_id', field: 'startEventId' },
  { column: 'ended_at', field: 'endedAt' },
  { column: 'end_event_id', field: 'endEventId' },
  { column: 'end_reason', field: 'endReason' },
  { column: 'session_created_at', field: 'sessionCreatedAt' },
  { column: 'session_ended_at', field: 'sessionEndedAt' },
  { column: 'offline_at', field: 'offlineAt' },
  { column: 'health', field: 'health' },
  { column: 'health_at', field: 'healthAt' },
  { column: 'health_rank', field: 'healthRank' },
  { column: 'health_event_id', field: 'healthEventId' },
  { column: 'recording_started_at', field: 'recordingStartedAt' },
  { column: 'recording_ended_at', field: 'recordingEndedAt' },
  // bigint: pg returns it as a string.
  { column: 'recording_duration_ms', field: 'recordingDurationMs', read: (v: unknown) => (v === null ? null : Number(v)) },
  { column: 'recording_key_prefix', field: 'recordingKeyPrefix' },
  { column: 'recording_failure_reason', field: 'recordingFailureReason' },
  { column: 'recording_failed_at', field: 'recordingFailedAt' },
] as const satisfies readonly { column: string; field: keyof StreamRow; fixed?: boolean; read?: (v: unknown) => unknown }[];

// Fails the typecheck when StreamRow gains a field no column holds.
type UnstoredStreamField = Exclude<keyof StreamRow, (typeof STREAM_FIELDS)[number]['field']>;
const everyStreamFieldStored: UnstoredStreamField extends never ? true : UnstoredStreamField = true;
void everyStreamFieldStored;

const STREAM_COLUMNS = STREAM_FIELDS.map((f) => f.column).join(', ');

const UPSERT_STREAM = `INSERT INTO streams (${STREAM_COLUMNS})
  VALUES (${STREAM_FIELDS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (stream_id) DO UPDATE SET
    ${STREAM_FIELDS.filter((f) => !('fixed' in f))
      .map((f) => `${f.column} = EXCLUDED.${f.column}`)
      .join(', ')},
    updated_at = now()`;

function fromDb(r: Record<string, unknown>): StreamRow {
  const row: Record<string, unknown> = {};
  for (const f of STREAM_FIELDS) row[f.field] = 'read' in f ? f.read(r[f.column]) : r[f.column];
  return row as unknown as StreamRow;
}

/**
 * The target stream's row, plus the rows that can decide the channel's live state: the two
 * newest Starts (two, in case the target's own Start moves) and ended streams whose Start is missing.
 */
async function loadStreams(
  sql: Sql,
  channelId: string,
  streamId: string | null,
): Promise<{ target: StreamRow | null; others: StreamRow[] }> {
  const { rows } = await sql.query(
    `(SELECT ${STREAM_COLUMNS} FROM streams WHERE stream_id = $2)
     UNION ALL
     (SELECT ${STREAM_COLUMNS} FROM streams WHERE channel_id = $1 AND started_at IS NOT NULL
       ORDER BY started_at DESC, start_event_id DESC LIMIT 2)
     UNION ALL
     (SELECT ${STREAM_COLUMNS} FROM streams WHERE channel_id = $1 AND started_at IS NULL
       AND COALESCE(ended_at, session_ended_at, offline_at) IS NOT NULL
       ORDER BY COALESCE(ended_at, session_ended_at, offline_at) DESC LIMIT 5)`,
    [channelId, streamId],
  );
  let target: StreamRow | null = null;
  const others = new Map<string, StreamRow>();
  for (const r of rows) {
    const row = fromDb(r);
    if (row.streamId === streamId) target = row;
    else if (row.channelId === channelId) others.set(row.streamId, row);
  }
  return { target, others: [...others.values()] };
}

async function writeStream(sql: Sql, r: StreamRow): Promise<void> {
  await sql.query(
    UPSERT_STREAM,
    STREAM_FIELDS.map((f) => r[f.field]),
  );
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Writes the derived live state when it changed, and says what changed for the bus. */
async function updateChannel(sql: Sql, ch: ChannelRow, next: ChannelLiveState, cause: 'event' | 'reconciliation'): Promise<DomainEvent[]> {
  const unchanged =
    ch.is_live === next.isLive &&
    ch.current_stream_id === next.currentStreamId &&
    ch.health === next.health &&
    sameTime(ch.live_state_at, next.stateAt) &&
    ch.live_state_event_id === next.stateEventId;
  if (unchanged) return [];
  await sql.query(
    `UPDATE channels SET is_live = $2, current_stream_id = $3, health = $4, live_state_at = $5, live_state_event_id = $6, updated_at = now()
      WHERE id = $1`,
    [ch.id, next.isLive, next.currentStreamId, next.health, next.stateAt, next.stateEventId],
  );
  const events: DomainEvent[] = [];
  const at = next.stateAt ?? new Date();
  if (next.isLive && next.currentStreamId && (!ch.is_live || ch.current_stream_id !== next.currentStreamId)) {
    events.push({ name: 'channel.live', payload: { channelId: ch.id, channelArn: ch.arn, streamId: next.currentStreamId, at } });
  } else if (!next.isLive && ch.is_live) {
    events.push({
      name: 'channel.offline',
      payload: { channelId: ch.id, channelArn: ch.arn, streamId: ch.current_stream_id, at, cause },
    });
  }
  if (ch.health !== next.health) {
    events.push({
      name: 'stream.health',
      payload: { channelId: ch.id, channelArn: ch.arn, streamId: next.currentStreamId, health: next.health },
    });
  }
  return events;
}

async function applyStreamEvent(sql: Sql, e: StreamEvent, ctx: ApplyContext): Promise<ApplyResult> {
  const handled = !(e.kind === 'stream-state' && (e.name === 'Stream Takeover' || e.name === 'Stream Takeover Failure'));
  const { row: ch, outcome } = await lockAndRecord<ChannelRow>(
    sql,
    LOCK_CHANNEL_AND_RECORD,
    e.channelArn,
    ledgerEntry(e),
    handled ? 'applied' : 'ignored',
  );
  if (!ch || outcome !== 'applied') return { outcome, events: NOTHING };

  const { target, others } = await loadStreams(sql, ch.id, e.streamId);
  if (target && target.channelId !== ch.id) {
    // A stream id already owned by another channel: never let one channel's events rewrite another's history.
    await sql.query(`UPDATE ivs_events SET outcome = 'ignored' WHERE id = $1`, [e.id]);
    return { outcome: 'ignored', events: NOTHING };
  }
  const before = target ?? emptyStreamRow(e.streamId, { id: ch.id, title: ch.title, categoryId: ch.category_id });
  const after = mergeStreamEvent(before, e);
  if (!target || !sameStreamRow(before, after)) await writeStream(sql, after);

  const events = await updateChannel(sql, ch, deriveChannelLiveState([...others, after]), 'event');
  if (!recordingReady(target) && recordingReady(after)) {
    events.push({
      name: 'recording.ready',
      payload: {
        channelId: ch.id,
        streamId: after.streamId,
        playlistUrl: ctx.playlistUrl(after.recordingKeyPrefix as string),
        durationMs: after.recordingDurationMs,
        endedAt: after.recordingEndedAt as Date,
      },
    });
  }
  return { outcome, events };
}

async function applyLimitBreach(sql: Sql, e: LimitBreachEvent): Promise<ApplyResult> {
  const { rows } = await sql.query<{ id: string; arn: string }>(`SELECT id, arn FROM channels WHERE arn = $1`, [e.resourceArn]);
  const ch = rows[0];
  const outcome = ch ? 'applied' : 'orphan';
  if (!(await recordInLedger(sql, ledgerEntry(e), outcome))) return { outcome: 'duplicate', events: NOTHING };
  if (!ch) return { outcome, events: NOTHING };
  await sql.query(
    `INSERT INTO channel_limit_breaches (event_id, channel_id, limit_name, limit_value, exceeded_by, limit_unit, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.id, ch.id, e.limitName, e.limitValue, e.exceededBy, e.limitUnit, e.time],
  );
  return {
    outcome,
    events: [
      {
        name: 'channel.limit-breach',
        payload: {
          channelId: ch.id,
          channelArn: ch.arn,
          limitName: e.limitName,
          limitValue: e.limitValue,
          exceededBy: e.exceededBy,
          limitUnit: e.limitUnit,
          at: e.time,
        },
      },
    ],
  };
}

/** The studio holding the IVS stage `arn` now (a stage given back names no studio: its late events are orphans). */
async function lockStage(sql: Sql, arn: string): Promise<{ id: string; arn: string } | null> {
  const { rows } = await sql.query<{ id: string; arn: string }>(LOCK_STAGE, [arn]);
  return rows[0] ?? null;
}

interface ParticipantDbRow {
  participant_id: string;
  session_id: string;
  user_id: string | null;
  state: ParticipantRow['state'];
  error_code: string | null;
  state_at: Date;
  state_rank: number;
  state_event_id: string;
}

async function applyStageUpdate(sql: Sql, e: StageUpdateEvent): Promise<ApplyResult> {
  const { row: stage, outcome } = await lockAndRecord<{ id: string; arn: string }>(
    sql,
    LOCK_STAGE_AND_RECORD,
    e.stageArn,
    ledgerEntry(e),
    publishStateOf(e) ? 'applied' : 'ignored',
  );
  if (!stage || outcome !== 'applied') return { outcome, events: NOTHING };

  const { rows } = await sql.query<ParticipantDbRow>(
    `SELECT participant_id, session_id, user_id, state, error_code, state_at, state_rank, state_event_id
       FROM stage_participants WHERE stage_id = $1 AND participant_id = $2`,
    [stage.id, e.participantId],
  );
  const r = rows[0];
  const before: ParticipantRow | null = r
    ? {
        participantId: r.participant_id,
        sessionId: r.session_id,
        userId: r.user_id,
        state: r.state,
        errorCode: r.error_code,
        stateAt: r.state_at,
        stateRank: r.state_rank,
        stateEventId: r.state_event_id,
      }
    : null;
  const after = mergeParticipantEvent(before, e);
  if (!after || after === before) return { outcome, events: NOTHING };
  await sql.query(
    `INSERT INTO stage_participants (stage_id, participant_id, session_id, user_id, state, error_code, state_at, state_rank, state_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (stage_id, participant_id) DO UPDATE SET session_id = EXCLUDED.session_id, user_id = EXCLUDED.user_id,
       state = EXCLUDED.state, error_code = EXCLUDED.error_code, state_at = EXCLUDED.state_at,
       state_rank = EXCLUDED.state_rank, state_event_id = EXCLUDED.state_event_id, updated_at = now()`,
    [
      stage.id,
      after.participantId,
      after.sessionId,
      after.userId,
      after.state,
      after.errorCode,
      after.stateAt,
      after.stateRank,
      after.stateEventId,
    ],
  );
  if (before?.state === after.state) return { outcome, events: NOTHING };
  const common = {
    stageId: stage.id,
    stageArn: stage.arn,
    participantId: after.participantId,
    userId: after.userId,
    sessionId: after.sessionId,
    at: after.stateAt,
  };
  const event: DomainEvent =
    after.state === 'published'
      ? { name: 'stage.participant.published', payload: common }
      : {
          name: 'stage.participant.unpublished',
          payload: { ...common, reason: after.state === 'publish-error' ? 'publish-error' : 'unpublished', errorCode: after.errorCode },
        };
  return { outcome, events: [event] };
}

const COMPOSITION_SESSION_STATES: Partial<Record<CompositionEvent['name'], 'active' | 'stopped' | 'failed'>> = {
  'Session Start': 'active',
  'Session End': 'stopped',
  'Session Failure': 'failed',
};

async function applyComposition(sql: Sql, e: CompositionEvent): Promise<ApplyResult> {
  const { row: stage, outcome } = await lockAndRecord<{ id: string; arn: string }>(
    sql,
    LOCK_STAGE_AND_RECORD,
    e.stageArn,
    ledgerEntry(e),
    'applied',
  );
  if (!stage || outcome !== 'applied') return { outcome, events: NOTHING };
  const { rows } = await sql.query<{ state: CompositionRow['state']; state_at: Date; state_rank: number; state_event_id: string }>(
    `SELECT state, state_at, state_rank, state_event_id FROM stage_compositions WHERE composition_arn = $1`,
    [e.compositionArn],
  );
  const r = rows[0];
  const before: CompositionRow | null = r
    ? { compositionArn: e.compositionArn, state: r.state, stateAt: r.state_at, stateRank: r.state_rank, stateEventId: r.state_event_id }
    : null;
  const after = mergeCompositionEvent(before, e);
  if (after && after !== before) {
    await sql.query(
      `INSERT INTO stage_compositions (composition_arn, stage_id, state, state_at, state_rank, state_event_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (composition_arn) DO UPDATE SET state = EXCLUDED.state, state_at = EXCLUDED.state_at,
         state_rank = EXCLUDED.state_rank, state_event_id = EXCLUDED.state_event_id, updated_at = now()`,
      [after.compositionArn, stage.id, after.state, after.stateAt, after.stateRank, after.stateEventId],
    );
  }
  // The studio that started it follows its session (it ignores late or repeated ones itself).
  const session = COMPOSITION_SESSION_STATES[e.name];
  if (!session) return { outcome, events: NOTHING };
  const reason = (e.raw as { detail?: { error_message?: unknown; error_code?: unknown } }).detail;
  const note = typeof reason?.error_message === 'string' ? reason.error_message.slice(0, 300) : undefined;
  return {
    outcome,
    events: [
      {
        name: 'composition.state',
        payload: { stageId: stage.id, compositionArn: e.compositionArn, state: session, at: e.time, ...(note ? { note } : {}) },
      },
    ],
  };
}

interface ParticipantRecordingDbRow {
  stage_id: string;
  session_id: string;
  participant_id: string;
  bucket_name: string | null;
  started_at: Date | null;
  start_event_id: string | null;
  ended_at: Date | null;
  end_event_id: string | null;
  failed_at: Date | null;
  failure_event_id: string | null;
  failure: string | null;
}

/**
 * Who a studio-stage participant is, from the token the server minted for it (`member:<id>` for a
 * camera, `screen:<id>` for a shared screen) and the studio's roster for the name; the IVS user id
 * of the participant (the member id, from Stage Update events) when the token is already gone.
 */
async function participantIdentity(
  sql: Sql,
  stageId: string,
  stageArn: string,
  participantId: string,
): Promise<{ memberId: string | null; userId: string | null; displayName: string | null; screen: boolean }> {
  const { rows } = await sql.query<{
    member_id: string | null;
    user_id: string | null;
    screen: boolean | null;
    display_name: string | null;
  }>(
    `WITH who AS (
       SELECT COALESCE(
                (SELECT substring(t.holder FROM '^(?:member|screen):(.+)$') FROM stage_tokens t
                  WHERE t.stage_arn = $2 AND t.participant_id = $3 LIMIT 1),
                (SELECT p.user_id FROM stage_participants p WHERE p.stage_id = $1 AND p.participant_id = $3)) AS member_id,
              (SELECT t.user_id FROM stage_tokens t WHERE t.stage_arn = $2 AND t.participant_id = $3 LIMIT 1) AS token_user_id,
              (SELECT t.holder LIKE 'screen:%' FROM stage_tokens t WHERE t.stage_arn = $2 AND t.participant_id = $3 LIMIT 1) AS screen
     )
     SELECT who.member_id, who.screen,
            COALESCE(who.token_user_id, (SELECT (m->>'userId')::uuid FROM studio_documents d, jsonb_array_elements(d.document->'members') m
                                          WHERE d.stage_id = $1 AND m->>'id' = who.member_id AND m->>'userId' IS NOT NULL LIMIT 1)) AS user_id,
            (SELECT m->>'displayName' FROM studio_documents d, jsonb_array_elements(d.document->'members') m
              WHERE d.stage_id = $1 AND m->>'id' = who.member_id LIMIT 1) AS display_name
       FROM who`,
    [stageId, stageArn, participantId],
  );
  const r = rows[0];
  let displayName = r?.display_name ?? null;
  if (!displayName && r?.user_id) {
    const u = await sql.query<{ username: string }>(`SELECT username FROM users WHERE id = $1`, [r.user_id]);
    displayName = u.rows[0]?.username ?? null;
  }
  return { memberId: r?.member_id ?? null, userId: r?.user_id ?? null, displayName, screen: r?.screen ?? false };
}

/**
 * A participant recording's Start / End / failure, merged into its row (one per S3 prefix) so that
 * any order and any repeats give the same row. The studio is the one holding the stage now, or the
 * one an earlier event of the same recording found (a stage given back still gets its late End).
 */
async function applyParticipantRecording(sql: Sql, e: ParticipantRecordingEvent): Promise<ApplyResult> {
  const keyPrefix = e.s3KeyPrefix;
  const existing = keyPrefix
    ? (await sql.query<ParticipantRecordingDbRow>(`SELECT * FROM participant_recordings WHERE key_prefix = $1 FOR UPDATE`, [keyPrefix]))
        .rows[0]
    : undefined;
  const stageId = existing?.stage_id ?? (await lockStage(sql, e.stageArn))?.id ?? null;
  const outcome = !keyPrefix ? 'ignored' : stageId ? 'applied' : 'orphan';
  if (!(await recordInLedger(sql, ledgerEntry(e), outcome))) return { outcome: 'duplicate', events: NOTHING };
  if (!keyPrefix || !stageId) return { outcome, events: NOTHING };

  const before: ParticipantRecordingFacts = existing
    ? {
        keyPrefix,
        sessionId: existing.session_id,
        participantId: existing.participant_id,
        bucketName: existing.bucket_name,
        startedAt: existing.started_at,
        startEventId: existing.start_event_id,
        endedAt: existing.ended_at,
        endEventId: existing.end_event_id,
        failedAt: existing.failed_at,
        failureEventId: existing.failure_event_id,
        failure: existing.failure,
      }
    : emptyFacts(e, keyPrefix);
  const f = mergeParticipantRecording(before, e);
  const who = await participantIdentity(sql, stageId, e.stageArn, e.participantId);
  await sql.query(
    `INSERT INTO participant_recordings (key_prefix, stage_id, stage_arn, session_id, participant_id, member_id, user_id, display_name, screen,
       bucket_name, started_at, start_event_id, ended_at, end_event_id, failed_at, failure_event_id, failure)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (key_prefix) DO UPDATE SET
       member_id = COALESCE(participant_recordings.member_id, EXCLUDED.member_id),
       user_id = COALESCE(participant_recordings.user_id, EXCLUDED.user_id),
       display_name = COALESCE(participant_recordings.display_name, EXCLUDED.display_name),
       screen = participant_recordings.screen OR EXCLUDED.screen,
       bucket_name = EXCLUDED.bucket_name, started_at = EXCLUDED.started_at, start_event_id = EXCLUDED.start_event_id,
       ended_at = EXCLUDED.ended_at, end_event_id = EXCLUDED.end_event_id, failed_at = EXCLUDED.failed_at,
       failure_event_id = EXCLUDED.failure_event_id, failure = EXCLUDED.failure, updated_at = now()`,
    [
      keyPrefix,
      stageId,
      e.stageArn,
      f.sessionId,
      f.participantId,
      who.memberId,
      who.userId,
      who.displayName,
      who.screen,
      f.bucketName,
      f.startedAt,
      f.startEventId,
      f.endedAt,
      f.endEventId,
      f.failedAt,
      f.failureEventId,
      f.failure,
    ],
  );
  return { outcome, events: NOTHING };
}

/** Channels the database believes are live, with the broadcast it believes is on air. */
export async function liveChannels(sql: Sql): Promise<{ arn: string; streamId: string | null }[]> {
  const { rows } = await sql.query<{ arn: string; current_stream_id: string | null }>(
    `SELECT arn, current_stream_id FROM channels WHERE is_live ORDER BY live_state_at NULLS FIRST LIMIT 1000`,
  );
  return rows.map((r) => ({ arn: r.arn, streamId: r.current_stream_id }));
}

/**
 * GetStream said the channel is not broadcasting: close the broadcast we believed was live.
 * The mark lives on that stream row, so no late or replayed event about it can reopen it; a
 * Start of a newer broadcast still makes the channel live. Recorded in the ledger for operators.
 */
export async function markNotBroadcasting(sql: Sql, channelArn: string, streamId: string, at: Date): Promise<ApplyResult> {
  const ch = await lockChannel(sql, channelArn);
  // Checked under the lock: a Start for a newer broadcast may have landed since we asked IVS.
  if (!ch || !ch.is_live || ch.current_stream_id !== streamId) return { outcome: 'ignored', events: NOTHING };
  const { target, others } = await loadStreams(sql, ch.id, streamId);
  if (!target) return { outcome: 'ignored', events: NOTHING };
  const after: StreamRow = { ...target, offlineAt: target.offlineAt ?? at };
  await writeStream(sql, after);
  await recordInLedger(
    sql,
    {
      id: `streamcat-reconcile-${streamId}`,
      detailType: 'StreamCat Reconciliation',
      name: 'Channel Not Broadcasting',
      resourceArn: channelArn,
      time: at,
      payload: { channelArn, streamId, source: 'GetStream' },
    },
    'applied',
  );
  return { outcome: 'applied', events: await updateChannel(sql, ch, deriveChannelLiveState([...others, after]), 'reconciliation') };
}

/**
 * GetStream says the channel is broadcasting `stream` while we never heard its Stream Start (a
 * lost event): apply the Start as the pipeline would, dated by IVS's start time and recorded
 * in the ledger under a reconciliation id, so doing it twice changes nothing. A real Start
 * arriving later merges into the same row (the earlier of the two is kept).
 */
export async function markBroadcasting(
  sql: Sql,
  channelArn: string,
  stream: { streamId: string; startTime: Date | null },
  at: Date,
): Promise<ApplyResult> {
  const ch = await lockChannel(sql, channelArn);
  if (!ch || (ch.is_live && ch.current_stream_id === stream.streamId)) return { outcome: 'ignored', events: NOTHING };
  const { target, others } = await loadStreams(sql, ch.id, stream.streamId);
  if (target && target.channelId !== ch.id) return { outcome: 'ignored', events: NOTHING };
  const id = `streamcat-reconcile-start-${stream.streamId}`;
  const startedAt = stream.startTime ?? at;
  const recorded = await recordInLedger(
    sql,
    {
      id,
      detailType: 'StreamCat Reconciliation',
      name: 'Stream Start',
      resourceArn: channelArn,
      time: startedAt,
      payload: { channelArn, streamId: stream.streamId, startTime: stream.startTime?.toISOString() ?? null, source: 'GetStream' },
    },
    'applied',
  );
  if (!recorded) return { outcome: 'duplicate', events: NOTHING };
  const before = target ?? emptyStreamRow(stream.streamId, { id: ch.id, title: ch.title, categoryId: ch.category_id });
  const after: StreamRow = before.startedAt ? before : { ...before, startedAt, startEventId: id };
  await writeStream(sql, after);
  return { outcome: 'applied', events: await updateChannel(sql, ch, deriveChannelLiveState([...others, after]), 'reconciliation') };
}
