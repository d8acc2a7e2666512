import type { StudioDocument } from '@streamcat/protocol';
import type { Socket } from 'socket.io-client';
import { eventually } from '../../test/support/eventually';
import { MediaProvider } from '../src/media/media-provider';
import { CloudProgramme } from '../src/studio/cloud-programme.service';
import { makeProgramme, openIngest } from './support/programme';
import { expectOk, join, seat, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * The cloud programme through the whole server and the emulator's real composition: the
 * studio asks IVS (the emulator, through the SDK) for a composition of the show stage into the
 * owner's channel, follows its Composition State Change events, and the channel goes live with
 * no browser sending anything. Failover: a show live from the host's "browser" (a paced
 * programme on the ingest socket) whose host studio and ingest both vanish is taken over.
 */
describe('cloud programme', () => {
  const t = useTestApp({ FAILOVER_HOST_GONE_SECONDS: '2' });
  const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 45_000) => eventually(what, fn, ms, 250);

  async function documentOf(s: Socket, stage: string): Promise<StudioDocument> {
    return expectOk(await studio<{ document: StudioDocument }>(s, 'studio:snapshot', { stage })).document;
  }

  const channelRow = async (name: string) =>
    (await t.pg.query('SELECT is_live, current_stream_id FROM channels WHERE name = $1', [name])).rows[0] as {
      is_live: boolean;
      current_stream_id: string | null;
    };

  /** The owner and co-host bob, both in the owner's studio. */
  async function hostAndCohost() {
    const [host, bob] = await Promise.all([register(t.url), register(t.url)]);
    const [hs, bs] = await Promise.all([t.open({ token: host.accessToken }), t.open({ token: bob.accessToken })]);
    const stage = host.user.username;
    await join(hs, stage);
    await seat(hs, bs, stage, bob.user.username, 'cohost');
    await join(bs, stage);
    return { host, hs, bs, stage };
  }

  it('a co-host goes live in the cloud without the owner, and ends it', async () => {
    const { hs, bs, stage } = await hostAndCohost();
    hs.disconnect();

    // A co-host's browser cannot send the owner's programme: refused, nothing changes.
    const refused = await studio(bs, 'studio:broadcast', { stage, action: 'start' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
    expect((await documentOf(bs, stage)).live.broadcast.state).toBe('offline');

    expectOk(await studio(bs, 'studio:broadcast', { stage, action: 'start', programme: 'cloud' }));
    const live = await until('the cloud programme on air', async () => {
      const doc = await documentOf(bs, stage);
      const c = doc.live.programme?.composition;
      return doc.live.broadcast.state === 'live' && c?.state === 'active' && c.arn ? doc : null;
    });
    const arn = live.live.programme!.composition!.arn!;
    expect(live.live.programme).toMatchObject({ source: 'cloud', composition: { reason: 'requested' } });
    expect(await t.app.get(MediaProvider).getComposition(arn)).toMatchObject({ arn, state: 'ACTIVE' });
    expect((await channelRow(stage)).is_live).toBe(true);

    expectOk(await studio(bs, 'studio:broadcast', { stage, action: 'stop' }));
    await until('the broadcast off air', async () => (await documentOf(bs, stage)).live.broadcast.state === 'offline');
    await until('the composition stopped', async () => (await t.app.get(MediaProvider).getComposition(arn))?.state === 'STOPPED');
    await until('the channel offline', async () => !(await channelRow(stage)).is_live);
  });

  it('takes over a show whose host browser vanished (studio and programme), with exactly one composition', async () => {
    const { host, hs, bs, stage } = await hostAndCohost();

    expectOk(await studio(hs, 'studio:broadcast', { stage, action: 'start' }));
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    const ingest = await openIngest(t.url, creds.body.streamKey);
    const sending = ingest.push(makeProgramme(8), 8);
    const liveDoc = await until('live from the browser', async () => {
      const doc = await documentOf(bs, stage);
      return doc.live.broadcast.state === 'live' ? doc : null;
    });
    expect(liveDoc.live.programme?.source ?? 'browser').toBe('browser');
    await sending;
    const streamId = (await channelRow(stage)).current_stream_id;

    // The host's tab dies: its studio socket and its ingest connection drop, nobody pressed End.
    hs.disconnect();
    ingest.ws.terminate();
    const gone = Date.now();
    // A second pass running beside the watch (as a second node would) must not start a second one.
    const extra = t.app.get(CloudProgramme);
    const takenOver = await until('the cloud programme to take over', async () => {
      await extra.check();
      const doc = await documentOf(bs, stage);
      const c = doc.live.programme?.composition;
      return doc.live.programme?.source === 'cloud' && c?.state === 'active' ? doc : null;
    });
    const tookMs = Date.now() - gone;
    expect(takenOver.live.broadcast.state).toBe('live');
    expect(takenOver.live.programme?.composition?.reason).toBe('failover');
    const compositions = await t.pg.query(
      `SELECT count(*)::int AS n FROM stage_compositions sc JOIN stages s ON s.id = sc.stage_id WHERE s.name = $1`,
      [stage],
    );
    expect(compositions.rows[0].n).toBe(1);
    const row = await channelRow(stage);
    expect(row.is_live).toBe(true);
    // The ingest's reconnect grace kept the stream: the composition carries on the same one.
    expect(row.current_stream_id).toBe(streamId);
    process.stdout.write(`failover: host gone → composition active in ${tookMs} ms\n`);

    expectOk(await studio(bs, 'studio:broadcast', { stage, action: 'stop' }));
    await until('the broadcast off air', async () => (await documentOf(bs, stage)).live.broadcast.state === 'offline');
  });
});
