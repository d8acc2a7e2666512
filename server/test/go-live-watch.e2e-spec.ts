import type { StudioDocument } from '@streamcat/protocol';
import { eventually } from '../../test/support/eventually';
import { IvsEventsService } from '../src/ivs-events/ivs-events.service';
import { CloudProgramme } from '../src/studio/cloud-programme.service';
import { GoLiveWatch } from '../src/studio/go-live.watch';
import { makeProgramme, openIngest } from './support/programme';
import { expectOk, join, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Events are best effort (EventBridge can lose one): a go-live that heard no Stream Start
 * asks IVS after BROADCAST_START_TIMEOUT_SECONDS and corrects itself, or tells the host why.
 * The watch is driven with a clock 31 s ahead instead of waiting out the timeout.
 */
describe('a go-live whose Stream Start never arrives', () => {
  const t = useTestApp({ BROADCAST_START_TIMEOUT_SECONDS: '30' });
  let media: Buffer;
  beforeAll(() => {
    media = makeProgramme(4);
  });

  const later = (seconds: number) => new Date(Date.now() + seconds * 1000);
  const document = async (stage: string): Promise<StudioDocument> =>
    (await t.pg.query(`SELECT d.document FROM studio_documents d JOIN stages s ON s.id = d.stage_id WHERE s.name = $1`, [stage])).rows[0]
      .document;
  const channel = async (name: string) =>
    (await t.pg.query(`SELECT is_live, current_stream_id FROM channels WHERE name = $1`, [name])).rows[0] as {
      is_live: boolean;
      current_stream_id: string | null;
    };

  it('is put on air from GetStream once, recorded in the ledger, and a real Stream End still ends it', async () => {
    const host = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    await join(hs, stage);
    // With failover on, a Stream End nobody asked for is the cloud programme's cue (cloud-programme
    // spec); this test is about the switch following IVS, so the studio has failover off: the
    // show ends once the encoder had its grace to come back.
    expectOk(await studio(hs, 'studio:failover', { stage, enabled: false }));
    expectOk(await studio(hs, 'studio:broadcast', { stage, action: 'start' }));

    // EventBridge loses this channel's Stream Start; every other event is delivered.
    const sink = t.app.get(IvsEventsService);
    const deliver = sink.emit.bind(sink);
    const dropped: string[] = [];
    const spy = jest.spyOn(sink, 'emit').mockImplementation(async (envelope: object) => {
      const e = envelope as { detail?: { event_name?: string } };
      if (e.detail?.event_name === 'Stream Start') {
        dropped.push('Stream Start');
        return;
      }
      return deliver(envelope);
    });
    try {
      const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
      const ingest = await openIngest(t.url, creds.body.streamKey);
      await ingest.push(media, 4);
      await eventually('the emulator to send (and lose) Stream Start', () => dropped.length === 1, 20_000, 100);
      expect((await channel(stage)).is_live).toBe(false);
      expect((await document(stage)).live.broadcast.state).toBe('starting');

      const watch = t.app.get(GoLiveWatch);
      // Before the timeout nothing is asked.
      expect(await watch.check(later(5))).toEqual({ confirmed: [], gaveUp: [] });
      const { confirmed } = await watch.check(later(31));
      expect(confirmed).toHaveLength(1);
      const row = await channel(stage);
      expect(row).toMatchObject({ is_live: true, current_stream_id: expect.stringMatching(/^st-/) });
      expect((await document(stage)).live.broadcast.state).toBe('live');
      const ledger = await t.pg.query(`SELECT id, name, detail_type FROM ivs_events WHERE id = $1`, [
        `streamcat-reconcile-start-${row.current_stream_id}`,
      ]);
      expect(ledger.rows).toEqual([expect.objectContaining({ name: 'Stream Start', detail_type: 'StreamCat Reconciliation' })]);
      // A second pass changes nothing.
      expect(await watch.check(later(32))).toEqual({ confirmed: [], gaveUp: [] });

      ingest.stop();
      await eventually('the Stream End to take the channel offline', async () => !(await channel(stage)).is_live, 20_000, 100);
      await eventually('the Stream End to reach the studio', async () => !!(await document(stage)).live.programme?.lostAt, 5_000, 50);
      expect((await document(stage)).live.broadcast.state).toBe('live');
      // The watch, 25 s ahead: the encoder did not come back within its 20 s grace.
      await t.app.get(CloudProgramme).check(later(25));
      await eventually('the studio switch to follow', async () => (await document(stage)).live.broadcast.state === 'offline', 5_000, 50);
      expect((await document(stage)).live.broadcast.note).toMatch(/stopped arriving/);
      const streams = await call(t.url, 'GET', `/api/channels/${stage}/streams`);
      expect(streams.body.items).toEqual([
        expect.objectContaining({ streamId: row.current_stream_id, startedAt: expect.any(String), endedAt: expect.any(String) }),
      ]);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);

  it('with nothing live at IVS, the switch goes back to offline and the host reads why', async () => {
    const host = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    await join(hs, stage);
    expectOk(await studio(hs, 'studio:broadcast', { stage, action: 'start' }));
    const told = new Promise<StudioDocument>((resolve) =>
      hs.on('studio:changed', (c: { document: StudioDocument }) => {
        if (c.document.live.broadcast.state === 'offline') resolve(c.document);
      }),
    );

    const { gaveUp } = await t.app.get(GoLiveWatch).check(later(31));
    expect(gaveUp).toHaveLength(1);
    const doc = await told;
    expect(doc.live.broadcast).toEqual({
      state: 'offline',
      since: expect.any(String),
      note: 'The broadcast did not start: Amazon IVS received no stream within 30 s. Check your connection (and the encoder), then go live again.',
    });
    // Going live again clears the note.
    expectOk(await studio(hs, 'studio:broadcast', { stage, action: 'start' }));
    expect((await document(stage)).live.broadcast).toEqual({ state: 'starting', since: expect.any(String) });
  });
});
