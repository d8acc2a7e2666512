import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { IVS_EVENT_SINK } from '@streamcat/ivs-emulator';
import { buildLimitBreachEvent } from '@streamcat/ivs-events';
import type { EmulatorStatus } from '@streamcat/protocol';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../test/support/database';
import { eventually } from '../../test/support/eventually';
import { boundPort, createEmulatorApp } from '../src/emulator/emulator.app';
import { loadEmulatorConfig } from '../src/emulator/emulator.config';
import { HttpEventSink } from '../src/emulator/http-event-sink';
import { makeProgramme, openIngest } from './support/programme';
import { call, register, startTestApp, TestApp } from './support/test-app';

const SHARED = {
  IVS_EMULATOR_ACCESS_KEY_ID: 'AKIASTANDALONETEST01',
  IVS_EMULATOR_SECRET_ACCESS_KEY: 'standalone-emulator-test-secret',
  IVS_EVENTS_API_KEY: 'standalone-emulator-events-key',
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The emulator as its own process (here: its own Nest app in this process, built by the same
 * factory as `npm run emulator`) with a server that calls it as replicas call AWS: SDK calls over
 * HTTP, IVS events back over HTTP with the API key. A server restart in the middle of a show
 * loses no event: the emulator keeps the ones it could not deliver and sends them again.
 */
describe('standalone IVS emulator', () => {
  let emulatorDb: TestDatabase;
  let serverDb: TestDatabase;
  let emulator: INestApplication;
  let emulatorUrl: string;
  let serverPort: number;
  let server: TestApp | undefined;
  const dataDirs: string[] = [];

  const startServer = async () =>
    (server = await startTestApp(
      // Replicas share the multistream key too (only servers read it).
      { ...SHARED, MULTISTREAM_KEY: Buffer.alloc(32, 7).toString('base64'), PORT: String(serverPort), IVS_EMULATOR_URL: emulatorUrl },
      { db: serverDb, dataDir: dataDirs[1] },
    ));

  beforeAll(async () => {
    [emulatorDb, serverDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    dataDirs.push(mkdtempSync(join(tmpdir(), 'emulator-')), mkdtempSync(join(tmpdir(), 'server-')));
    serverPort = await freePort();
    const emulatorPort = await freePort();
    emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const config = loadEmulatorConfig({
      ...SHARED,
      // A fixed port: it is written into tokens and playback URLs (PUBLIC_URL).
      PORT: String(emulatorPort),
      PUBLIC_URL: emulatorUrl,
      HOST: '127.0.0.1',
      DATA_DIR: dataDirs[0],
      DATABASE_URL: emulatorDb.url,
      RTMP_PORT: '0',
      LOG_LEVEL: 'warn',
      IVS_EVENTS_URL: `http://127.0.0.1:${serverPort}/api/ivs/events`,
      // Test rates: the suite makes more control-plane calls per second than AWS's defaults allow.
      IVS_EMULATOR_LIMITS: 'CreateChannel=50/s,CreateStage=50/s,CreateParticipantToken=50/s,GetStream=50/s',
    });
    emulator = await createEmulatorApp({ ...config, databaseUrl: emulatorDb.url });
    expect(boundPort(emulator)).toBe(emulatorPort);
    await startServer();
  });

  afterAll(async () => {
    await server?.close();
    await emulator?.close();
    await Promise.all([emulatorDb?.drop(), serverDb?.drop()]);
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start without the secrets it shares with the servers, naming each', () => {
    expect(() => loadEmulatorConfig({ IVS_EVENTS_URL: 'http://server:3000/api/ivs/events' })).toThrow(
      /IVS_EVENTS_API_KEY=\(value not shown\): required[\s\S]*IVS_EMULATOR_ACCESS_KEY_ID[\s\S]*IVS_EMULATOR_SECRET_ACCESS_KEY/,
    );
  });

  it('delivers to the next replica when one does not answer (IVS_EVENTS_URL lists several)', async () => {
    const urls = loadEmulatorConfig({ ...SHARED, IVS_EVENTS_URL: 'http://a:3000/api/ivs/events, http://b:3000/api/ivs/events' }).events
      .urls;
    expect(urls).toEqual(['http://a:3000/api/ivs/events', 'http://b:3000/api/ivs/events']);
    const dead = `http://127.0.0.1:${await freePort()}/api/ivs/events`;
    const sink = new HttpEventSink({ urls: [dead, `${server!.url}/api/ivs/events`], apiKey: SHARED.IVS_EVENTS_API_KEY });
    const event = buildLimitBreachEvent({
      time: new Date(),
      resourceArn: 'arn:aws:ivs:us-east-1:123456789012:channel/deadReplicaTest',
      limitName: 'Concurrent Streams',
      limitValue: 1,
      exceededBy: 1,
      limitUnit: 'Count',
    });
    await sink.emit(event);
    const ledger = server!.app.get(DataSource);
    await eventually(
      'the event to reach the replica that answers',
      async () => (await ledger.query('SELECT 1 FROM ivs_events WHERE id = $1', [event.id])).length,
      10_000,
      100,
    );
    expect(sink.pending).toBe(0);
    sink.onApplicationShutdown();
  });

  it("serves the server's IVS calls and tells it what only the emulator knows (RTMP port, ffmpeg)", async () => {
    const host = await register(server!.url);
    const creds = await call(server!.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    expect(creds.status).toBe(200);
    const status = (await (await fetch(`${emulatorUrl}/_ivs/local/status`)).json()) as EmulatorStatus;
    expect(creds.body.rtmpUrl).toBe(`rtmp://127.0.0.1:${status.rtmpPort}/app/`);
    expect(status.publicUrl).toBe(emulatorUrl);
    // The channel was made in the emulator's database, not the server's.
    const rows = await call(server!.url, 'GET', `/api/channels/${host.user.username}`);
    expect(rows.body.playbackUrl).toMatch(new RegExp(`^${emulatorUrl}/_ivs/hls/`));
    const health = await call(server!.url, 'GET', '/api/health');
    expect(health.body.ffmpeg).toEqual(status.ffmpeg);
  });

  it('delivers events over HTTP, and those raised while the server restarts arrive once it is back', async () => {
    const host = await register(server!.url);
    const creds = await call(server!.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    const channelRow = async () =>
      (
        await server!.app.get(DataSource).query('SELECT is_live, current_stream_id FROM channels WHERE name = $1', [host.user.username])
      )[0] as { is_live: boolean; current_stream_id: string | null };

    const ingest = await openIngest(emulatorUrl, creds.body.streamKey);
    await ingest.push(makeProgramme(4), 4);
    const live = await eventually(
      'Stream Start to reach the server over HTTP',
      async () => (await channelRow())?.is_live && channelRow(),
      20_000,
      200,
    );
    expect(live.current_stream_id).toMatch(/^st-/);

    // The server goes away; the stream ends meanwhile (Stream End, Recording End are raised now).
    await server!.close();
    server = undefined;
    ingest.stop();
    const sink = emulator.get(IVS_EVENT_SINK) as HttpEventSink;
    await eventually('the emulator to hold the undelivered events', () => sink.pending > 0, 20_000, 100);

    await startServer();
    await eventually('the held events to be applied after the restart', async () => !(await channelRow()).is_live, 30_000, 200);
    const vod = await eventually(
      'the recording to be listed',
      async () =>
        (await call(server!.url, 'GET', `/api/channels/${host.user.username}/streams`)).body.items.find(
          (s: { recordingUrl: string | null }) => s.recordingUrl,
        ),
      30_000,
      200,
    );
    expect(vod.streamId).toBe(live.current_stream_id);
    await eventually('every held event to be acknowledged', () => sink.pending === 0, 10_000, 100);
  });
});
