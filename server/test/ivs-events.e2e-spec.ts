import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvsEmulatorService } from '@streamcat/ivs-emulator';
import { buildStreamStateEvent } from '@streamcat/ivs-events';
import { runCli } from '../src/cli/cli';
import { DomainEventName, DomainEvents } from '../src/domain-events/domain-events';
import { IvsEventsReconciliationService } from '../src/ivs-events/ivs-events-reconciliation.service';
import { BROADCAST_SAMPLES, channelOf, Envelope, fixture, TestChannel } from './support/ivs-fixtures';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

let seq = 0;
/** A fixture re-targeted to our channel/stage, with a fresh envelope id and (optionally) stream id. */
function retarget(name: string, ch: TestChannel, streamId?: string, change: (e: Envelope) => void = () => undefined): Envelope {
  const e = fixture(name, ch);
  e.id = `${e.id.slice(0, 24)}${(++seq).toString(16).padStart(12, '0')}`;
  if (streamId && e.detail.stream_id) {
    e.detail.stream_id = streamId;
    if (e.detail.recording_session_stream_ids) e.detail.recording_session_stream_ids = [streamId];
  }
  change(e);
  return e;
}

describe('POST /api/ivs/events', () => {
  const t = useTestApp();
  const { pg } = t;
  let key: string;
  const post = (body: unknown, headers: Record<string, string> = { 'x-api-key': key }) =>
    call(t.url, 'POST', '/api/ivs/events', body, undefined, headers);

  const newChannel = async (): Promise<TestChannel> => channelOf(pg, t.url, await register(t.url));
  const channelRow = async (ch: TestChannel) =>
    (await pg.query(`SELECT is_live, current_stream_id, health FROM channels WHERE id = $1`, [ch.id])).rows[0];
  const streamRow = async (streamId: string) => (await pg.query(`SELECT * FROM streams WHERE stream_id = $1`, [streamId])).rows[0];

  function recordBus(): { seen: { name: DomainEventName; payload: any }[]; stop(): void } {
    const bus = t.app.get(DomainEvents);
    const seen: { name: DomainEventName; payload: any }[] = [];
    const names: DomainEventName[] = [
      'channel.live',
      'channel.offline',
      'stream.health',
      'recording.ready',
      'stage.participant.published',
      'stage.participant.unpublished',
      'channel.limit-breach',
    ];
    const offs = names.map((name) => bus.on(name, (payload: any) => seen.push({ name, payload })));
    return { seen, stop: () => offs.forEach((off) => off()) };
  }

  beforeAll(() => {
    key = t.config.ivsEventsApiKey;
  });

  it('refuses a missing or wrong x-api-key with 401 and records nothing', async () => {
    const ch = await newChannel();
    const event = retarget('stream-start', ch, 'st-auth');
    for (const headers of [{}, { 'x-api-key': `${key}x` }, { 'x-api-key': '' }] as Record<string, string>[]) {
      const res = await post(event, headers);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ivs-events/unauthorized');
    }
    expect((await pg.query(`SELECT 1 FROM ivs_events WHERE id = $1`, [event.id])).rowCount).toBe(0);
    expect((await channelRow(ch)).is_live).toBe(false);
  });

  it('answers 400 naming the field and why, and for an array which item; nothing is written', async () => {
    const ch = await newChannel();
    const res = await post(retarget('stream-start', ch, 'st-bad', (e) => delete e.detail.stream_id));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ivs-events/invalid-event');
    expect(res.body.error.details).toEqual([{ path: 'detail.stream_id', message: 'required' }]);

    const good = retarget('stream-start', ch, 'st-good');
    const batch = await post([good, retarget('stream-end', ch, 'st-good', (e) => (e.time = 'yesterday'))]);
    expect(batch.status).toBe(400);
    expect(batch.body.error.details[0].path).toBe('[1].time');
    expect(batch.body.error.message).toContain('[1].time');
    expect((await pg.query(`SELECT 1 FROM ivs_events WHERE id = $1`, [good.id])).rowCount).toBe(0);

    // A NUL character (which PostgreSQL cannot store) in an extra field: a 400 naming it, not a 500 EventBridge would retry.
    const nul = retarget('stream-start', ch, 'st-nul', (e) => (e.detail.note = 'a \u0000 byte'));
    const nulRes = await post(nul);
    expect([nulRes.status, nulRes.body.error.details]).toEqual([
      400,
      [{ path: 'detail.note', message: 'must not contain NUL characters' }],
    ]);
    expect((await pg.query(`SELECT 1 FROM ivs_events WHERE id = $1`, [nul.id])).rowCount).toBe(0);

    expect((await post('{"version":', { 'x-api-key': key, 'content-type': 'application/json' })).status).toBe(400);
    expect((await post([])).status).toBe(400);
  });

  it('answers 413 over 256 KB and accepts a 100-event batch under it', async () => {
    const ch = await newChannel();
    const huge = retarget('stream-start', ch, 'st-huge', (e) => (e.detail.padding = 'x'.repeat(300 * 1024)));
    const res = await post(huge);
    expect(res.status).toBe(413);
    const batch = Array.from({ length: 100 }, (_, i) =>
      retarget('limit-breach', ch, undefined, (e) => (e.time = new Date(Date.UTC(2026, 10, 20, 19, 0, i)).toISOString())),
    );
    const ok = await post(batch);
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(100);
    expect(ok.body.results.every((r: { outcome: string }) => r.outcome === 'applied')).toBe(true);
  });

  it('handles every sample event on a real channel and stage', async () => {
    const ch = await newChannel();
    const bus = recordBus();
    const order = [
      ...BROADCAST_SAMPLES,
      'stream-failure',
      'recording-start-failure',
      'limit-breach',
      'stage-publish-error',
      'composition-session-start',
    ];
    const sent = order.map((name) => retarget(name, ch));
    const outcomes: string[] = [];
    for (const e of sent) {
      const res = await post(e);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(e.id);
      outcomes.push(res.body.outcome);
    }
    bus.stop();
    expect(outcomes.every((o) => o === 'applied')).toBe(true);

    const s1 = await streamRow('st-1F6jDj0t3zV01cXKe5dScIJ');
    expect(s1).toMatchObject({ channel_id: ch.id, end_reason: null, recording_duration_ms: '2429000', health: 'HEALTHY' });
    expect(s1.started_at.toISOString()).toBe('2026-11-20T18:05:01.000Z');
    expect(s1.ended_at.toISOString()).toBe('2026-11-20T18:45:30.000Z');
    expect(s1.recording_started_at.toISOString()).toBe('2026-11-20T18:05:02.000Z');
    expect(s1.recording_ended_at.toISOString()).toBe('2026-11-20T18:45:31.000Z');
    expect(s1.recording_key_prefix).toBe('ivs/v1/123456789012/AbCdef1G2hij/2026/11/20/18/5/k9Zp2Qr7Xy1w');
    expect(await streamRow('st-2G7kEk1u4aW12dYLf6eTdJK')).toMatchObject({
      started_at: null,
      end_reason: 'InvalidInput: unsupported codec',
    });
    expect(await streamRow('st-3H8lFl2v5bX23eZMg7fUeKL')).toMatchObject({
      recording_failure_reason: 'S3 access denied',
      recording_key_prefix: null,
    });
    // The Stream Failure (19:00) of a broadcast whose Start never came is newer than the last Start: offline.
    expect(await channelRow(ch)).toMatchObject({ is_live: false, health: 'UNKNOWN' });

    const participants = await pg.query(
      `SELECT participant_id, state, error_code FROM stage_participants WHERE stage_id = $1 ORDER BY participant_id`,
      [ch.stageId],
    );
    expect(participants.rows).toEqual([
      { participant_id: 'aBc9d8e7f6g5', state: 'publish-error', error_code: 'BITRATE_EXCEEDED' },
      { participant_id: 'xYz1c2d3e4f5', state: 'unpublished', error_code: null },
    ]);
    expect((await pg.query(`SELECT state FROM stage_compositions WHERE stage_id = $1`, [ch.stageId])).rows).toEqual([
      { state: 'Session Start' },
    ]);
    expect(
      (await pg.query(`SELECT limit_name, limit_value, exceeded_by FROM channel_limit_breaches WHERE event_id = $1`, [sent[12]!.id])).rows,
    ).toEqual([{ limit_name: 'Stream Bitrate', limit_value: 8500000, exceeded_by: 1000000 }]);
    const ledger = await pg.query(
      `SELECT id, detail_type, name, resource_arn, outcome, payload FROM ivs_events WHERE id = ANY($1) ORDER BY event_time`,
      [sent.map((e) => e.id)],
    );
    expect(ledger.rowCount).toBe(sent.length);
    expect(ledger.rows[0]).toMatchObject({
      detail_type: 'IVS Stream State Change',
      name: 'Session Created',
      resource_arn: ch.arn,
      outcome: 'applied',
    });
    expect(ledger.rows[0].payload).toEqual(sent[0]);

    const names = bus.seen.map((e) => e.name);
    expect(names).toEqual([
      'channel.live',
      'stream.health', // UNKNOWN → HEALTHY as the broadcast starts
      'stage.participant.published',
      'stream.health', // STARVING
      'stream.health', // HEALTHY again
      'stage.participant.unpublished',
      'channel.offline',
      'stream.health', // UNKNOWN once offline
      'recording.ready',
      'channel.limit-breach',
      'stage.participant.unpublished', // the publish error of participant aBc9…
    ]);
    const ready = bus.seen.find((e) => e.name === 'recording.ready')!.payload;
    expect(ready.playlistUrl).toBe(
      `${t.config.recordingsBaseUrl}/ivs/v1/123456789012/AbCdef1G2hij/2026/11/20/18/5/k9Zp2Qr7Xy1w/media/hls/master.m3u8`,
    );
    expect(ready.durationMs).toBe(2429000);
  });

  it('answers a redelivery with duplicate, changes nothing and publishes nothing', async () => {
    const ch = await newChannel();
    const start = retarget('stream-start', ch, 'st-dup');
    expect((await post(start)).body.outcome).toBe('applied');
    const before = await streamRow('st-dup');
    const bus = recordBus();
    const again = await post(start);
    // The same id with a different body is still the same event: EventBridge ids are the key.
    const tampered = await post({ ...start, time: '2026-11-20T23:00:00Z' });
    bus.stop();
    expect([again.status, again.body.outcome, tampered.body.outcome]).toEqual([200, 'duplicate', 'duplicate']);
    expect(bus.seen).toEqual([]);
    expect(await streamRow('st-dup')).toEqual(before);
    expect((await pg.query(`SELECT count(*)::int AS n FROM ivs_events WHERE id = $1`, [start.id])).rows[0].n).toBe(1);
  });

  it('builds the right row when a Stream End arrives before its Start, and a Recording Start before both', async () => {
    const ch = await newChannel();
    await pg.query(`UPDATE channels SET title = 'Night bakery', category_id = 2 WHERE id = $1`, [ch.id]);
    for (const name of ['recording-start', 'stream-end', 'stream-start'])
      expect((await post(retarget(name, ch, 'st-late'))).body.outcome).toBe('applied');
    const row = await streamRow('st-late');
    expect(row.started_at.toISOString()).toBe('2026-11-20T18:05:01.000Z');
    expect(row.ended_at.toISOString()).toBe('2026-11-20T18:45:30.000Z');
    expect(row.recording_started_at.toISOString()).toBe('2026-11-20T18:05:02.000Z');
    expect([row.title, row.category_id]).toEqual(['Night bakery', 2]);
    expect((await channelRow(ch)).is_live).toBe(false);
  });

  it('keeps a newer broadcast live when an older one ends late, and goes live on a Start after another End', async () => {
    const ch = await newChannel();
    const at = (m: number) => `2026-11-21T10:${String(m).padStart(2, '0')}:00Z`;
    await post(retarget('stream-start', ch, 'st-old', (e) => (e.time = at(0))));
    await post(retarget('stream-start', ch, 'st-new', (e) => (e.time = at(10))));
    // The old broadcast's End is stamped after the new Start (a reconnect): it must not end st-new.
    await post(retarget('stream-end', ch, 'st-old', (e) => (e.time = at(11))));
    expect(await channelRow(ch)).toMatchObject({ is_live: true, current_stream_id: 'st-new' });
    await post(retarget('stream-end', ch, 'st-new', (e) => (e.time = at(20))));
    expect((await channelRow(ch)).is_live).toBe(false);
    await post(retarget('stream-start', ch, 'st-next', (e) => (e.time = at(30))));
    expect(await channelRow(ch)).toMatchObject({ is_live: true, current_stream_id: 'st-next' });
    // An older event (a late Start of an old broadcast) never moves it back.
    await post(retarget('stream-start', ch, 'st-ancient', (e) => (e.time = at(1))));
    expect(await channelRow(ch)).toMatchObject({ is_live: true, current_stream_id: 'st-next' });
  });

  it('records events for unknown resources as orphans, answered 2xx, and per-item outcomes for an array', async () => {
    const ch = await newChannel();
    const stranger = {
      ...ch,
      arn: 'arn:aws:ivs:us-east-1:123456789012:channel/NoSuchChan1',
      stageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/NoSuchStage1',
    };
    const orphanStart = retarget('stream-start', stranger, 'st-orphan');
    const mine = retarget('stream-start', ch, 'st-mine');
    const res = await post([
      orphanStart,
      retarget('stage-participant-published', stranger),
      mine,
      mine,
      retarget('limit-breach', stranger),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['orphan', 'orphan', 'applied', 'duplicate', 'orphan']);
    expect(await streamRow('st-orphan')).toBeUndefined();
    expect((await pg.query(`SELECT outcome FROM ivs_events WHERE id = $1`, [orphanStart.id])).rows[0].outcome).toBe('orphan');
    const unknownType = { ...retarget('stream-start', ch), 'detail-type': 'IVS Future Thing', detail: { anything: 1 } };
    expect((await post(unknownType)).body.outcome).toBe('ignored');
  });

  it('keeps state consistent when many deliveries for one channel arrive at once', async () => {
    const ch = await newChannel();
    const events: Envelope[] = [];
    for (let b = 0; b < 5; b++) {
      const shift = (e: Envelope) => (e.time = new Date(Date.parse(e.time) + b * 3_600_000).toISOString());
      for (const name of [
        'session-created',
        'stream-start',
        'recording-start',
        'starvation-start',
        'starvation-end',
        'stream-end',
        'recording-end',
        'session-ended',
      ]) {
        if (b === 4 && ['stream-end', 'recording-end', 'session-ended'].includes(name)) continue; // the last broadcast is still on
        events.push(retarget(name, ch, `st-conc-${b}`, shift));
      }
    }
    // Every event twice, all in flight together (pool of 20 connections, one channel row).
    const results = await Promise.all([...events, ...events].map((e) => post(e)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const outcomes = results.map((r) => r.body.outcome);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(events.length);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(events.length);
    expect(await channelRow(ch)).toMatchObject({ is_live: true, current_stream_id: 'st-conc-4', health: 'HEALTHY' });
    const rows = (
      await pg.query(`SELECT stream_id, started_at, ended_at, recording_ended_at FROM streams WHERE channel_id = $1 ORDER BY started_at`, [
        ch.id,
      ])
    ).rows;
    expect(rows.map((r) => r.stream_id)).toEqual(['st-conc-0', 'st-conc-1', 'st-conc-2', 'st-conc-3', 'st-conc-4']);
    expect(rows.slice(0, 4).every((r) => r.ended_at && r.recording_ended_at)).toBe(true);
    expect(rows[4].ended_at).toBeNull();
  });

  it('npm run cli -- ivs-event <file> applies a file through the same pipeline', async () => {
    const ch = await newChannel();
    const dir = mkdtempSync(join(tmpdir(), 'ivs-event-cli-'));
    const file = join(dir, 'events.json');
    const start = retarget('stream-start', ch, 'st-cli');
    writeFileSync(file, JSON.stringify([start, retarget('recording-start', ch, 'st-cli')]));
    const saved = { ...process.env };
    process.env.DATABASE_URL = t.db.url;
    process.env.DATA_DIR = t.config.dataDir;
    const out: string[] = [];
    try {
      expect(await runCli(['ivs-event', file], (s) => out.push(s))).toBe(0);
      expect(out.join('\n')).toContain(`${start.id}: applied`);
      expect(await channelRow(ch)).toMatchObject({ is_live: true, current_stream_id: 'st-cli' });
      // Running it again is harmless: the ledger recognises the ids.
      out.length = 0;
      expect(await runCli(['ivs-event', file], (s) => out.push(s))).toBe(0);
      expect(out.join('\n')).toContain(`${start.id}: duplicate`);
      writeFileSync(file, JSON.stringify({ ...start, id: 'another-id', detail: {} }));
      out.length = 0;
      expect(await runCli(['ivs-event', file], (s) => out.push(s))).toBe(1);
      expect(out.join('\n')).toContain('detail.event_name: required');
      expect(await runCli(['ivs-event'], (s) => out.push(s))).toBe(2);
    } finally {
      process.env = saved;
    }
  });

  it('reconciliation marks offline a channel the emulator says is not broadcasting, and an old event cannot undo it', async () => {
    const ch = await newChannel();
    const emulator = t.app.get(IvsEmulatorService, { strict: false });
    const { streamId, startTime } = await emulator.startStream(ch.arn);
    const start = buildStreamStateEvent({ name: 'Stream Start', channelArn: ch.arn, channelName: ch.name, streamId, time: startTime });
    expect((await post(start)).body.outcome).toBe('applied');
    const reconciliation = t.app.get(IvsEventsReconciliationService);
    // Earlier tests left channels "live" by events alone (the emulator never saw them): those go offline.
    expect(await reconciliation.reconcile()).not.toContain(ch.arn); // really live: left alone
    expect((await channelRow(ch)).is_live).toBe(true);

    await emulator.endStream(ch.arn); // and its Stream End is lost
    const bus = recordBus();
    expect(await reconciliation.reconcile()).toEqual([ch.arn]);
    expect(await reconciliation.reconcile()).toEqual([]);
    bus.stop();
    expect(await channelRow(ch)).toMatchObject({ is_live: false, current_stream_id: streamId });
    expect(bus.seen.filter((e) => e.name === 'channel.offline').map((e) => e.payload.cause)).toEqual(['reconciliation']);
    // A late redelivery-with-a-new-id of the Start changes nothing; a real Stream End still fills ended_at.
    await post({ ...start, id: `${start.id}-replay` });
    expect((await channelRow(ch)).is_live).toBe(false);
    await post(buildStreamStateEvent({ name: 'Stream End', channelArn: ch.arn, channelName: ch.name, streamId, time: new Date() }));
    expect((await streamRow(streamId)).ended_at).not.toBeNull();
    expect((await pg.query(`SELECT outcome FROM ivs_events WHERE id = $1`, [`streamcat-reconcile-${streamId}`])).rows).toEqual([
      { outcome: 'applied' },
    ]);
  });
});
