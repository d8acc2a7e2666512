// The product keeps accounts, channels and stages across a stop and a start (embedded
// PostgreSQL data, generated secrets and emulator keys live in DATA_DIR), and stops cleanly.
// Starts its own server instance in its own DATA_DIR, as `npm start` would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '../../client/e2e/support.mjs';
import { startProduct } from './product.mjs';

function portOpen(port) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-restart-'));
let server;
try {
  server = await startProduct({ dataDir });
  const { baseUrl } = server;
  const username = `restart${Date.now().toString(36)}`;
  const password = 'restart-pass-1';
  const reg = await request(baseUrl, '/api/auth/register', { method: 'POST', body: { username, password } });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  // The studio's IVS stage is made on first need: the owner's first participant token.
  const first = await request(baseUrl, `/api/stages/${username}/token`, { method: 'POST', token: reg.body.accessToken });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const before = await request(baseUrl, '/api/me', { token: reg.body.accessToken });
  assert.equal(before.body.stage.arn, first.body.stageArn);
  const html = await fetch(`${baseUrl}/`);
  assert.equal(html.status, 200);
  assert.match(await html.text(), /<div id="app"/, 'the built client is served at /');

  const { code } = await server.stop();
  assert.equal(code, 0, `server should exit cleanly on SIGTERM:\n${server.output()}`);
  assert.equal(await portOpen(server.pgPort), false, 'embedded PostgreSQL is stopped with the server');

  server = await startProduct({ dataDir, port: server.port, pgPort: server.pgPort });
  const login = await request(baseUrl, '/api/auth/login', { method: 'POST', body: { username, password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  // The old access token still works: the JWT secret is kept in DATA_DIR.
  const after = await request(baseUrl, '/api/me', { token: reg.body.accessToken });
  assert.equal(after.status, 200);
  assert.equal(after.body.channel.arn, before.body.channel.arn);
  assert.equal(after.body.stage.arn, before.body.stage.arn);
  // The emulator still knows the stage: a participant token can be minted for it.
  const token = await request(baseUrl, `/api/stages/${username}/token`, { method: 'POST', token: login.body.accessToken });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  assert.equal(token.body.stageArn, before.body.stage.arn);
  console.log('restart: account, channel and stage survived a stop and start');
} finally {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
