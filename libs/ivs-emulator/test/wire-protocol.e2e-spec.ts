import { ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import { Client } from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { EmulatorApp, REGION, startEmulatorApp } from './support/emulator-app';
import { RawResponse, rawIvsRequest } from './support/signed-request';

/**
 * What a client other than the SDK can send, correctly signed: the emulator must answer every
 * bad request with an AWS-shaped 400, never a 500, an HTML page or a crash.
 */
describe('IVS emulator wire protocol (signed requests from a client other than the SDK)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-wire-'));
    env = await startEmulatorApp(db.url, dataDir);
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    rawIvsRequest(env.baseUrl, path, body, { credentials: env.credentials, region: REGION, headers });

  function expectValidationError(res: RawResponse, mentions: string) {
    expect(res.status).toBe(400);
    expect(res.errorType).toBe('ValidationException');
    expect(res.contentType).toMatch(/application\/json/);
    expect(res.body.exceptionMessage).toContain(mentions);
    expect(res.body.message).toBe(res.body.exceptionMessage);
  }

  it.each(['/_ivs/channels/CreateChannel', '/_ivs/realtime/CreateStage'])(
    'answers malformed JSON on %s with ValidationException',
    async (path) => {
      expectValidationError(await post(path, '{"name": "oops"'), 'JSON');
    },
  );

  it('answers wrong types with ValidationException naming the field', async () => {
    const res = await post(
      '/_ivs/realtime/CreateParticipantToken',
      JSON.stringify({ stageArn: 42, duration: 'long', capabilities: 'PUBLISH' }),
    );
    expectValidationError(res, 'stageArn:');
    expect(res.body.exceptionMessage).toContain('duration:');
    expect(res.body.exceptionMessage).toContain('capabilities:');
  });

  it('answers a JSON array body with ValidationException', async () => {
    expectValidationError(await post('/_ivs/channels/GetChannel', '[1,2]'), 'body:');
  });

  it('treats an empty body as {} (operations with no required field succeed)', async () => {
    const list = await post('/_ivs/realtime/ListStages', '');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ stages: [] });
    const created = await post('/_ivs/channels/CreateChannel', '');
    expect(created.status).toBe(200);
    expect(created.body.channel.arn).toMatch(/:channel\//);
    // Required fields still are.
    expectValidationError(await post('/_ivs/channels/GetChannel', ''), 'arn:');
  });

  it('accepts a JSON body sent without a JSON content type', async () => {
    const res = await post('/_ivs/realtime/CreateStage', JSON.stringify({ name: 'plain' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect(res.body.stage.name).toBe('plain');
  });

  it('answers a body over 64 KB with ValidationException', async () => {
    const res = await post('/_ivs/realtime/CreateStage', JSON.stringify({ name: 'big', tags: { k: 'v'.repeat(70 * 1024) } }));
    expect(res.status).toBe(400);
    expect(res.errorType).toBe('ValidationException');
  });

  it('answers operations it does not implement with a named AWS-style error', async () => {
    const res = await post('/_ivs/channels/UpdateChannel', '{}');
    expect(res.status).toBe(501);
    expect(res.errorType).toBe('NotImplementedException');
    expect(res.body.exceptionMessage).toContain('UpdateChannel');
  });

  it('serves timestamps as RFC 3339 strings', async () => {
    const stage = await post('/_ivs/realtime/CreateStage', '{}');
    const token = await post('/_ivs/realtime/CreateParticipantToken', JSON.stringify({ stageArn: stage.body.stage.arn }));
    expect(token.status).toBe(200);
    expect(token.body.participantToken.expirationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });
});

describe('IVS emulator behind a host app that parses /_ivs bodies itself', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-wire-host-'));
    env = await startEmulatorApp(db.url, dataDir, { bodyParser: 'host-json' });
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('cannot check the signature over bytes it never saw: says so and creates nothing', async () => {
    const res = await rawIvsRequest(env.baseUrl, '/_ivs/realtime/CreateStage', '{"name":"parsed-by-host"}', {
      credentials: env.credentials,
      region: REGION,
    });
    expect(res.status).toBe(500);
    expect(res.errorType).toBe('InternalServerException');
    expect(res.body.exceptionMessage).toMatch(/signature/);
    await expect(env.realtime.send(new ListStagesCommand({}))).rejects.toMatchObject({ name: 'InternalServerException' });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      expect((await pg.query('SELECT count(*)::int AS n FROM ivs_emu_stages')).rows[0].n).toBe(0);
    } finally {
      await pg.end();
    }
  });
});
