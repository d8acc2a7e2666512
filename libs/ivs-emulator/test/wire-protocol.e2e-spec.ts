import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { EmulatorApp, startEmulatorApp } from './support/emulator-app';

/**
 * What a client other than the SDK can send: the emulator must answer every bad request with
 * an AWS-shaped 400, never a 500, an HTML page or a crash.
 */
describe.each([
  ['behind the host app’s express.json parser', 'host-json'],
  ['with no app-level body parser', 'none'],
] as const)('IVS emulator wire protocol (%s)', (_label, bodyParser) => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-wire-'));
    env = await startEmulatorApp(db.url, dataDir, { bodyParser });
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string) => request(env.app.getHttpServer()).post(path);

  function expectValidationError(res: request.Response, mentions: string) {
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.exceptionMessage).toContain(mentions);
    expect(res.body.message).toBe(res.body.exceptionMessage);
  }

  it.each(['/_ivs/channels/CreateChannel', '/_ivs/realtime/CreateStage'])(
    'answers malformed JSON on %s with ValidationException',
    async (path) => {
      const res = await post(path).set('content-type', 'application/json').send('{"name": "oops"');
      expectValidationError(res, 'JSON');
    },
  );

  it('answers wrong types with ValidationException naming the field', async () => {
    const res = await post('/_ivs/realtime/CreateParticipantToken')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ stageArn: 42, duration: 'long', capabilities: 'PUBLISH' }));
    expectValidationError(res, 'stageArn:');
    expect(res.body.exceptionMessage).toContain('duration:');
    expect(res.body.exceptionMessage).toContain('capabilities:');
  });

  it('answers a JSON array body with ValidationException', async () => {
    const res = await post('/_ivs/channels/GetChannel').set('content-type', 'application/json').send('[1,2]');
    expectValidationError(res, 'body:');
  });

  it('treats a missing body as {} (operations with no required field succeed)', async () => {
    const list = await post('/_ivs/realtime/ListStages');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ stages: [] });
    const created = await post('/_ivs/channels/CreateChannel');
    expect(created.status).toBe(200);
    expect(created.body.channel.arn).toMatch(/:channel\//);
    // Required fields still are.
    const get = await post('/_ivs/channels/GetChannel');
    expectValidationError(get, 'arn:');
  });

  it('accepts a JSON body sent without a JSON content type', async () => {
    const res = await post('/_ivs/realtime/CreateStage')
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ name: 'plain' }));
    expect(res.status).toBe(200);
    expect(res.body.stage.name).toBe('plain');
  });

  it('answers a body over 64 KB with ValidationException', async () => {
    const res = await post('/_ivs/realtime/CreateStage')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'big', tags: { k: 'v'.repeat(70 * 1024) } }));
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
  });

  it('answers operations it does not implement with a named AWS-style error', async () => {
    const res = await post('/_ivs/channels/UpdateChannel').set('content-type', 'application/json').send('{}');
    expect(res.status).toBe(501);
    expect(res.headers['x-amzn-errortype']).toBe('NotImplementedException');
    expect(res.body.exceptionMessage).toContain('UpdateChannel');
  });

  it('serves timestamps as RFC 3339 strings', async () => {
    const stage = await post('/_ivs/realtime/CreateStage').send({});
    const token = await post('/_ivs/realtime/CreateParticipantToken').send({ stageArn: stage.body.stage.arn });
    expect(token.status).toBe(200);
    expect(token.body.participantToken.expirationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });
});
