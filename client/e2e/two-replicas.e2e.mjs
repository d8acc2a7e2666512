#!/usr/bin/env node
// Two server replicas, one media plane (issue 15). Starts its own deployment, as
// docker-compose.yml runs it: the IVS emulator as its own service (`npm run emulator`), two
// StreamCat replicas calling it (IVS_EMULATOR_URL) on the machine's PostgreSQL and Redis.
// Host A on replica 1 and guest B on replica 2 (Chromium): each sees the other's video, the
// layout reaches both, A goes live and viewer V (replica 1) plays it. Then replica 1 is restarted
// (SIGTERM, start) mid-show: V's video never stops, A's studio resyncs with a change B made while
// replica 1 was down, chat goes on. Last, a moderator's StopStream sent through replica 2 ends
// the broadcast A started on replica 1. Prints the measured times.
// Usage (after `npm run build`): node client/e2e/two-replicas.e2e.mjs
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startEmulator, startProduct } from '../../test/e2e/product.mjs';
import {
  command,
  createReport,
  cspViolations,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  rest,
  socketConnected,
  socketOf,
  succeeds,
  longestStall,
  startViewerSamples,
  videoMoves,
  viewerSamples,
} from './support.mjs';

const { check, section, finish } = createReport();
const ADMIN_DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;
const password = 'two-replicas-e2e-password';
/** The bar: studio pages resync within this long of the restarted replica answering. */
const RESYNC_BAR_MS = 10_000;

/** A fresh database on the machine's PostgreSQL, dropped at the end. */
async function createDatabase(prefix) {
  const name = `${prefix}_${suffix}_${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DB });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DB);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_DB });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

const cleanup = [];
let browser;
let a, b, v;
try {
  section('One IVS emulator service, two replicas on PostgreSQL and Redis');
  const [serverDb, emulatorDb] = [await createDatabase('sc_replicas'), await createDatabase('sc_emulator')];
  cleanup.push(
    () => serverDb.drop(),
    () => emulatorDb.drop(),
  );
  const dirs = await Promise.all(['emulator', 'replica1', 'replica2'].map((n) => mkdtemp(join(tmpdir(), `streamcat-${n}-`))));
  cleanup.push(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const [emulatorPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
  // What every replica and the emulator share (docker-compose.yml sets the same).
  const shared = {
    IVS_EMULATOR_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    IVS_EMULATOR_SECRET_ACCESS_KEY: randomBytes(24).toString('base64url'),
    IVS_EVENTS_API_KEY: randomBytes(24).toString('base64url'),
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
  };
  const started = Date.now();
  const emulator = await startEmulator({
    dataDir: dirs[0],
    port: emulatorPort,
    eventsUrl: [port1, port2].map((p) => `http://127.0.0.1:${p}/api/ivs/events`).join(','),
    env: { ...shared, DATABASE_URL: emulatorDb.url },
  });
  cleanup.push(() => emulator.stop());
  const multistreamKey = randomBytes(32).toString('base64');
  const replicaEnv = (port) => ({
    ...shared,
    MULTISTREAM_KEY: multistreamKey,
    JWT_SECRET: shared.IVS_EVENTS_API_KEY.padEnd(40, 'x'),
    DATABASE_URL: serverDb.url,
    REDIS_URL,
    PUBLIC_URL: `http://localhost:${port}`,
    IVS_EMULATOR_URL: `http://127.0.0.1:${emulatorPort}`,
    IVS_EMULATOR_PUBLIC_URL: emulator.baseUrl,
  });
  const startReplica = (i, port) => startProduct({ dataDir: dirs[i], port, env: replicaEnv(port) });
  let r1 = await startReplica(1, port1);
  const r2 = await startReplica(2, port2);
  cleanup.push(
    () => r1.stop(),
    () => r2.stop(),
  );
  console.log(`  (emulator ${emulator.baseUrl}, replicas ${r1.baseUrl} and ${r2.baseUrl}, up in ${Date.now() - started} ms)`);
  const health = await rest(r2.baseUrl, '/api/health');
  check(health.ffmpeg?.status === 'available', 'replica 2 reads the emulator’s ffmpeg over HTTP', JSON.stringify(health));

  const A = await register(r1.baseUrl, `rep_host_${suffix}`.slice(0, 32), password);
  const B = await register(r2.baseUrl, `rep_guest_${suffix}`.slice(0, 32), password);
  const V = await register(r1.baseUrl, `rep_view_${suffix}`.slice(0, 32), password);
  const M = await register(r2.baseUrl, `rep_mod_${suffix}`.slice(0, 32), password);
  const db = new pg.Client({ connectionString: serverDb.url });
  await db.connect();
  cleanup.push(() => db.end());
  await db.query(`UPDATE users SET role = 'moderator' WHERE username = $1`, [M.user.username]);
  const streamOf = async (name) =>
    (await db.query('SELECT current_stream_id FROM channels WHERE name = $1', [name])).rows[0]?.current_stream_id;
  const channel = A.user.username;
  browser = await launchBrowser();
  const person = (who, auth, baseURL) =>
    openPage(browser, { baseURL, who, auth, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });
  a = await person('A', A, r1.baseUrl);
  b = await person('B', B, r2.baseUrl);
  const tileVideo = (page, name, timeout = 25_000) => videoMoves(page.getByTestId(`tile-${name}`).locator('video'), { timeout });

  section(`A (replica 1) invites B (replica 2); each sees the other's video`);
  await a.goto('/studio');
  await a.getByTestId(`tile-${A.user.username}`).waitFor({ timeout: 30_000 });
  const bConnected = socketConnected(b, { signedIn: true });
  await b.goto('/');
  check(await succeeds(bConnected), 'B’s page connects to replica 2');
  await a.getByTestId('invite-username').locator('input').fill(B.user.username);
  await a.getByTestId('invite-send').click();
  const toast = b.getByTestId('invite-toast');
  check(await succeeds(toast.waitFor({ timeout: 10_000 })), 'the invite made on replica 1 reaches B on replica 2');
  await b.getByTestId('invite-accept').click();
  await b.waitForURL('**/studio?stage=*');
  for (const [who, page, name] of [
    ['A', a, B.user.username],
    ['B', b, A.user.username],
  ]) {
    const seen = await tileVideo(page, name);
    check(seen.moving && seen.width > 0, `${who} sees ${name}’s video playing`, JSON.stringify(seen));
  }

  section('A puts both on air and picks a layout; B follows');
  await a.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air').click();
  await a.getByTestId(`tile-${A.user.username}`).getByTestId('put-on-air').waitFor({ state: 'detached' });
  await a.getByTestId(`tile-${B.user.username}`).getByTestId('put-on-air').click();
  await a.getByTestId('layout-side-by-side').check();
  check(
    await succeeds(b.getByTestId('current-layout').filter({ hasText: 'Side by side' }).waitFor({ timeout: 10_000 })),
    'B (replica 2) sees the layout A chose on replica 1',
  );

  section('A goes live; viewer V on replica 1 plays it');
  await a.getByTestId('toggle-broadcast').click();
  const live = await succeeds(a.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: 90_000 }));
  check(live, 'A’s studio reaches LIVE (Stream Start delivered by the emulator over HTTP)');
  check(
    await succeeds(b.locator('[data-testid="broadcast-state"][data-state="live"]').waitFor({ timeout: 10_000 })),
    'B on replica 2 sees LIVE too',
  );
  v = await person('V', V, r1.baseUrl);
  await v.goto(`/${channel}`);
  const playing = await videoMoves(v.getByTestId('player-video'), { by: 1, timeout: 60_000 });
  check(playing.moving, 'V plays the live stream from the emulator', JSON.stringify(playing));
  const streamBefore = await streamOf(channel);

  section('Replica 1 restarts mid-show');
  // B has had their say in the browser (B's change below goes through a socket): two cores carry
  // A's programme encode, the emulator's ffmpeg, V's player and a replica booting, not a third page.
  await b.context().close();
  b = null;
  await startViewerSamples(v, 'two-replicas');
  await new Promise((r) => setTimeout(r, 2_000));
  const stopAt = Date.now();
  const stopped = await r1.stop();
  console.log(`  (replica 1 stopped in ${Date.now() - stopAt} ms)`);
  check(stopped.code === 0, 'replica 1 stops cleanly on SIGTERM', JSON.stringify(stopped));
  // While replica 1 is away, co-host B (replica 2) changes the layout: A's page must catch up.
  const sb = await socketOf(r2.baseUrl, B);
  const sa = await socketOf(r2.baseUrl, A);
  await command(sa, 'studio:set-role', { stage: channel, memberId: B.user.id, role: 'cohost' });
  await command(sb, 'studio:layout', { stage: channel, patch: { name: 'grid' } });
  sa.close();
  const restartAt = Date.now();
  console.log(`  (restarting replica 1 at ${new Date(restartAt).toISOString()})`);
  r1 = await startReplica(1, port1);
  const backAt = Date.now();
  console.log(`  (replica 1 started again in ${backAt - restartAt} ms)`);
  if (process.env.E2E_SERVER_LOG) (await import('node:fs')).writeFileSync(process.env.E2E_SERVER_LOG, r1.output());
  const resynced = await succeeds(a.getByTestId('current-layout').filter({ hasText: 'Grid' }).waitFor({ timeout: 30_000 }));
  const resyncMs = Date.now() - backAt;
  console.log(`  (replica 1 down for ${backAt - stopAt} ms; A's studio resynced ${resyncMs} ms after it answered again)`);
  check(
    resynced && resyncMs <= RESYNC_BAR_MS,
    `A’s studio shows B’s change within ${RESYNC_BAR_MS / 1000} s of replica 1 being back`,
    `${resyncMs} ms`,
  );
  check((await a.getByTestId('broadcast-state').getAttribute('data-state')) === 'live', 'A’s studio still says LIVE after the restart');

  // Chat after the restart: V (replica 1) writes; a socket on replica 2 in the same room hears it.
  const heard = new Promise((resolve) => sb.on('chat:message', (m) => m.text === 'still here' && resolve(m)));
  // Not a studio command: no commandId.
  const joined = await sb.timeout(10_000).emitWithAck('watch:join', { channel });
  check(joined.ok, 'a socket on replica 2 joins the watch room', JSON.stringify(joined).slice(0, 200));
  await v.getByTestId('chat-input').fill('still here');
  await v.getByTestId('chat-input').press('Enter');
  const got = await Promise.race([heard, new Promise((r) => setTimeout(() => r(null), 10_000))]);
  check(!!got, 'chat goes on: V’s message on restarted replica 1 reaches replica 2');
  await new Promise((r) => setTimeout(r, 3_000));
  const samples = await viewerSamples(v, { stop: true });
  const stall = longestStall(samples);
  console.log(`  (V's longest stall began ${stall.from - stopAt} ms after the SIGTERM; replica 1 was back at ${backAt - stopAt} ms)`);
  const offline = samples.filter((s) => /offline/i.test(s.status ?? '')).length;
  console.log(`  (V: ${samples.length} samples, longest stall ${stall.ms} ms, ${offline} Offline samples)`);
  check(samples.at(-1).t > samples[0].t + 5, 'V’s video clock kept advancing across the restart', `${samples[0].t} → ${samples.at(-1).t}`);
  check(stall.ms < 3_000, 'V’s video never stood still for 3 s', `${stall.ms} ms`);
  check(offline === 0, 'V’s page never said Offline');
  const after = await rest(r1.baseUrl, `/api/channels/${channel}`);
  const streamAfter = await streamOf(channel);
  check(
    after.isLive && !!streamBefore && streamAfter === streamBefore,
    'the broadcast is the same live stream',
    `${streamBefore} → ${streamAfter}`,
  );

  section('A moderator stops the stream through replica 2');
  const sm = await socketOf(
    r2.baseUrl,
    await rest(r2.baseUrl, '/api/auth/login', { method: 'POST', body: { username: M.user.username, password } }),
  );
  const stop = await sm.timeout(15_000).emitWithAck('moderation:stop-stream', { channel, reason: 'two-replica test' });
  check(stop.ok && stop.data.stopped === true, 'StopStream through replica 2 is accepted', JSON.stringify(stop));
  check(
    await succeeds(a.locator('[data-testid="broadcast-state"][data-state="offline"]').waitFor({ timeout: 30_000 })),
    'A’s broadcast (started on replica 1) ends',
  );
  check(!(await rest(r2.baseUrl, `/api/channels/${channel}`)).isLive, 'the channel is offline');
  sm.close();
  sb.close();
} catch (e) {
  check(false, 'the two-replica run went to the end', e?.stack ?? String(e));
  for (const [who, p] of [
    ['A', a],
    ['B', b],
    ['V', v],
  ])
    if (p) await failureScreenshot(p, `two-replicas-failure-${who}`).catch(() => undefined);
} finally {
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser?.close();
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
}

finish('two-replicas');
