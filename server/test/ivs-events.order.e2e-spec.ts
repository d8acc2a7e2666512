import { BROADCAST_SAMPLES, channelOf, Envelope, fixture, TestChannel } from './support/ivs-fixtures';
import { seededRandom } from './support/seeded-random';
import { postIvsEvent, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * The order-independence proof (issue 3, item 4): the events of several broadcasts of one
 * channel, in many random orders with random redeliveries, always end in the rows the
 * in-order delivery gives.
 */
const PERMUTATIONS = 60;

describe('IVS events in any order, any number of times', () => {
  const t = useTestApp();
  const { pg } = t;
  let channel: TestChannel;
  const idRandom = seededRandom(7);

  /** Fixture → our channel and stage, broadcast `b` (own stream id, shifted b hours), random envelope id. */
  function event(name: string, b: number, change: (e: Envelope) => void = () => undefined): Envelope {
    const e = fixture(name, channel);
    // Random ids: same-second ties must be settled by the lifecycle, whatever the ids say.
    e.id = `ord-${Math.floor(idRandom() * 1e12).toString(36)}-${b}`;
    e.time = new Date(Date.parse(e.time) + b * 3_600_000).toISOString();
    if (e.detail.stream_id) {
      e.detail.stream_id = `st-ord-${b}-${e.detail.stream_id.slice(3, 8)}`;
      if (e.detail.recording_session_stream_ids) e.detail.recording_session_stream_ids = [e.detail.stream_id];
    }
    change(e);
    return e;
  }

  function allEvents(): Envelope[] {
    const events: Envelope[] = [];
    for (let b = 0; b < 3; b++) {
      const start = event('stream-start', b);
      for (const name of BROADCAST_SAMPLES) {
        // Broadcast 1 is a two-second test: its End shares its Start's second.
        if (b === 1 && name === 'stream-end') events.push(event(name, b, (e) => (e.time = start.time)));
        else if (name === 'stream-start') events.push(start);
        else events.push(event(name, b));
      }
    }
    // Broadcast 3 is still on air, starving, with the participant publishing again.
    for (const name of ['session-created', 'stream-start', 'recording-start', 'stage-participant-published', 'starvation-start'])
      events.push(event(name, 3));
    // A Failure and a recording failure of streams whose Start never came, older than broadcast 3.
    events.push(event('stream-failure', 0), event('recording-start-failure', 1), event('limit-breach', 2), event('stage-publish-error', 2));
    events.push(
      event('composition-session-start', 0),
      event('composition-session-start', 2, (e) => (e.detail.event_name = 'Session End')),
    );
    // Participant recordings: two members' 20 s recordings (the second ends in the same second it
    // would tie with a restart), and one whose recorder failed at the end.
    const recording = (b: number, participant: string, name: string, secondsFromStart: number) =>
      event('participant-recording-end', b, (e) => {
        e.detail.event_name = name;
        e.detail.participant_id = participant;
        e.detail.recording_s3_key_prefix = `${channel.stageArn.split('/')[1]}/st-ord-${b}/${participant}/1000${b}`;
        e.time = new Date(Date.parse(e.time) + secondsFromStart * 1000).toISOString();
      });
    events.push(
      recording(0, 'memberA00001', 'Recording Start', 0),
      recording(0, 'memberA00001', 'Recording End', 20),
      recording(0, 'memberB00002', 'Recording Start', 1),
      recording(0, 'memberB00002', 'Recording End', 21),
      recording(2, 'memberA00001', 'Recording Start', 0),
      recording(2, 'memberA00001', 'Recording End Failure', 9),
    );
    return events;
  }

  async function reset(): Promise<void> {
    await pg.query(`DELETE FROM ivs_events`);
    await pg.query(`DELETE FROM streams WHERE channel_id = $1`, [channel.id]);
    await pg.query(`DELETE FROM channel_limit_breaches WHERE channel_id = $1`, [channel.id]);
    await pg.query(`DELETE FROM stage_participants WHERE stage_id = $1`, [channel.stageId]);
    await pg.query(`DELETE FROM stage_compositions WHERE stage_id = $1`, [channel.stageId]);
    await pg.query(`DELETE FROM participant_recordings WHERE stage_id = $1`, [channel.stageId]);
    await pg.query(
      `UPDATE channels SET is_live = false, current_stream_id = NULL, health = 'UNKNOWN', live_state_at = NULL, live_state_event_id = NULL WHERE id = $1`,
      [channel.id],
    );
  }

  /** Every row the pipeline writes, minus surrogate keys and wall-clock bookkeeping. */
  async function snapshot() {
    const q = async (sql: string, params: unknown[] = []) => (await pg.query(sql, params)).rows;
    return {
      channel: await q(`SELECT is_live, current_stream_id, health, live_state_at, live_state_event_id FROM channels WHERE id = $1`, [
        channel.id,
      ]),
      streams: (await q(`SELECT * FROM streams WHERE channel_id = $1 ORDER BY stream_id`, [channel.id])).map(
        ({ id: _i, created_at: _c, updated_at: _u, ...rest }) => rest,
      ),
      participants: (await q(`SELECT * FROM stage_participants WHERE stage_id = $1 ORDER BY participant_id`, [channel.stageId])).map(
        ({ updated_at: _u, ...rest }) => rest,
      ),
      compositions: (await q(`SELECT * FROM stage_compositions WHERE stage_id = $1`, [channel.stageId])).map(
        ({ updated_at: _u, ...rest }) => rest,
      ),
      recordings: (await q(`SELECT * FROM participant_recordings WHERE stage_id = $1 ORDER BY key_prefix`, [channel.stageId])).map(
        ({ created_at: _c, updated_at: _u, ...rest }) => rest,
      ),
      breaches: (await q(`SELECT * FROM channel_limit_breaches WHERE channel_id = $1 ORDER BY event_id`, [channel.id])).map(
        ({ created_at: _c, ...rest }) => rest,
      ),
      ledger: await q(`SELECT id, detail_type, name, resource_arn, event_time, outcome FROM ivs_events ORDER BY id`),
    };
  }

  async function deliver(events: Envelope[]): Promise<void> {
    for (const e of events) {
      const res = await postIvsEvent(t, e);
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  beforeAll(async () => {
    channel = await channelOf(pg, t.url, await register(t.url));
  });

  it(`ends in the in-order state for ${PERMUTATIONS} seeded random orders with random redeliveries`, async () => {
    const events = allEvents();
    const inOrder = [...events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    await reset();
    await deliver(inOrder);
    const expected = await snapshot();

    // The expected state itself is what the rules say, not just "whatever in-order gave".
    expect(expected.channel[0]).toMatchObject({
      is_live: true,
      current_stream_id: expect.stringMatching(/^st-ord-3-/),
      health: 'STARVING',
    });
    const broadcast1 = expected.streams.find((s) => s.stream_id.startsWith('st-ord-1-1F6'))!;
    expect(broadcast1.started_at).toEqual(broadcast1.ended_at);
    expect(expected.streams.filter((s) => s.started_at && s.ended_at)).toHaveLength(3);
    expect(expected.participants.map((p) => [p.participant_id, p.state])).toEqual([
      ['aBc9d8e7f6g5', 'publish-error'],
      ['xYz1c2d3e4f5', 'published'],
    ]);
    expect(expected.compositions.map((c) => c.state)).toEqual(['Session End']);
    expect(expected.breaches).toHaveLength(1);
    expect(
      expected.recordings.map((r) => [r.participant_id, (r.ended_at ?? r.failed_at).getTime() - r.started_at.getTime(), r.failure]),
    ).toEqual([
      ['memberA00001', 20_000, null],
      ['memberB00002', 20_000, null],
      ['memberA00001', 9_000, 'Recording End Failure'],
    ]);
    expect(expected.ledger).toHaveLength(events.length);

    for (let seed = 1; seed <= PERMUTATIONS; seed++) {
      const random = seededRandom(seed * 7919);
      const delivery = [...events, ...events.filter(() => random() < 0.25)];
      for (let i = delivery.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [delivery[i], delivery[j]] = [delivery[j]!, delivery[i]!];
      }
      await reset();
      await deliver(delivery);
      const got = await snapshot();
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(
          `seed ${seed}: order ${delivery.map((e) => `${e.detail.event_name ?? e.detail.recording_status ?? e['detail-type']}@${e.time}`).join(', ')}`,
        );
      }
      expect(got).toEqual(expected);
    }
  }, 180_000);
});
