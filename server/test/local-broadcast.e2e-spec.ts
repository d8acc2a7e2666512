import { eventually } from '../../test/support/eventually';
import { makeProgramme, openIngest } from './support/programme';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * A broadcast through the local media plane reaches the same event pipeline as AWS's
 * EventBridge events: the channel goes live, then offline, and the recording becomes a VOD.
 * The programme is a short H.264 + Opus Matroska file (what MediaRecorder sends), paced
 * over the ingest websocket like a browser would.
 */
describe('local broadcast → IVS events → channel state and VOD', () => {
  const t = useTestApp();
  let media: Buffer;

  beforeAll(() => {
    media = makeProgramme(6);
  });

  const channelRow = async (name: string) =>
    (await t.pg.query('SELECT is_live, current_stream_id FROM channels WHERE name = $1', [name])).rows[0] as {
      is_live: boolean;
      current_stream_id: string | null;
    };

  const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>) => eventually(what, fn, 20_000, 200);

  it('goes live, ends, and lists the recording', async () => {
    const host = await register(t.url);
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    const ingest = await openIngest(t.url, creds.body.streamKey);
    const messages = ingest.messages;
    await ingest.push(media, 6);
    const live = await until(`the channel to be live (ingest said ${JSON.stringify(messages)})`, async () => {
      const row = await channelRow(host.user.username);
      return row.is_live ? row : null;
    });
    expect(live.current_stream_id).toMatch(/^st-/);
    expect(messages.map((m) => m.t)).toContain('live');

    ingest.stop();
    await until('the channel to be offline', async () => !(await channelRow(host.user.username)).is_live);

    const vod = await until('the recording to be listed', async () => {
      const page = await call(t.url, 'GET', `/api/channels/${host.user.username}/streams`);
      return page.body.items.find((s: { recordingUrl: string | null }) => s.recordingUrl) ?? null;
    });
    expect(vod).toMatchObject({ streamId: live.current_stream_id, startedAt: expect.any(String), endedAt: expect.any(String) });
    expect(vod.recordingDurationMs).toBeGreaterThan(1000);
    // Test apps listen on a random port while PUBLIC_URL says :0, so fetch the same path here.
    expect(vod.recordingUrl).toMatch(/\/_ivs\/recordings\/ivs\/v1\/\d{12}\/[A-Za-z0-9]+\/.+\/media\/hls\/master\.m3u8$/);
    const playlist = await fetch(new URL(new URL(vod.recordingUrl).pathname, t.url));
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain('#EXTM3U');

    const ledger = await t.pg.query(
      `SELECT name FROM ivs_events WHERE resource_arn = (SELECT arn FROM channels WHERE name = $1) ORDER BY event_time, received_at`,
      [host.user.username],
    );
    expect(ledger.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Session Created', 'Stream Start', 'Recording Start', 'Stream End', 'Recording End', 'Session Ended']),
    );
  });
});
