import { ChildProcess, spawn } from 'node:child_process';
import { join as joinPath } from 'node:path';
import type { StudioServerEvents } from '@streamcat/protocol';
import { eventually } from '../../test/support/eventually';
import { disconnected, send } from './support/sockets';
import { commandId, expectOk, join, seat, studioSocket } from './support/studio-client';
import { register } from './support/test-app';
import { LiveTestApp, TEST_REDIS_URL, useTestApp } from './support/use-test-app';

/** A server node in its own OS process (same database, data dir and Redis as `b`). */
function spawnNode(b: LiveTestApp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [joinPath(__dirname, 'support/server-process.cjs')], {
    env: {
      ...process.env,
      DATABASE_URL: b.db.url,
      REDIS_URL: TEST_REDIS_URL,
      DATA_DIR: b.config.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SERVE_CLIENT: 'false',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${err}`)), 90_000);
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      const m = /LISTENING (\S+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`node exited ${code}: ${err}`))));
  });
}

describe('node killed mid-session (a real second process, SIGKILL)', () => {
  const b = useTestApp({ REDIS_URL: TEST_REDIS_URL });
  let a: { child: ChildProcess; url: string };

  beforeAll(async () => {
    a = await spawnNode(b);
  }, 120_000);
  afterAll(() => {
    if (a?.child.exitCode === null) a.child.kill('SIGKILL');
  });

  it('the host reconnects to the other node, gets the snapshot, and no acknowledged command is lost or applied twice', async () => {
    const host = await register(a.url);
    const guest = await register(b.url);
    const stage = host.user.username;
    const hostOnA = await studioSocket(a.url, { token: host.accessToken });
    const guestOnB = await b.open({ token: guest.accessToken });
    await join(hostOnA, stage);
    await seat(hostOnA, guestOnB, stage, guest.user.username, 'cohost');
    await join(guestOnB, stage);
    const base = (await join(hostOnA, stage)).version;

    // Twenty layout edits from the host on node A: the first ten acknowledged...
    const cmds = Array.from({ length: 20 }, (_, i) => ({
      stage,
      commandId: commandId(`fo${i}`),
      patch: { banner: { text: `step ${i}`, visible: true } },
    }));
    const acked = new Map<string, unknown>();
    for (const c of cmds.slice(0, 10)) acked.set(c.commandId, expectOk(await send(hostOnA, 'studio:layout', c)));
    // ...the next ten in flight when the node dies (some may have committed, unacknowledged).
    const dead = disconnected(hostOnA);
    for (const c of cmds.slice(10)) hostOnA.emit('studio:layout', c);
    a.child.kill('SIGKILL');
    await dead;

    // Reconnect to node B: snapshot first, then resend every command with its original commandId.
    const hostOnB = await b.open({ token: host.accessToken });
    const snap = await join(hostOnB, stage);
    expect(snap.version).toBeGreaterThanOrEqual(base + 10);
    expect(snap.version).toBeLessThanOrEqual(base + 20);
    const guestSaw: number[] = [];
    guestOnB.on('studio:changed', (c: StudioServerEvents['studio:changed']) => guestSaw.push(c.version));
    for (const c of cmds) {
      const again = expectOk(await send(hostOnB, 'studio:layout', c));
      if (acked.has(c.commandId)) expect(again).toEqual(acked.get(c.commandId));
    }
    const final = await join(hostOnB, stage);
    // Every command applied exactly once: one version per command, none lost, none doubled.
    expect(final.version).toBe(base + 20);
    expect(final.document.layout.banner.text).toMatch(/^step \d+$/);
    // The guest on B got a push for each command applied after the failover (in order: the last one closes the list).
    await eventually('the push of the last change', () => final.version === snap.version || guestSaw.includes(final.version));
    expect(guestSaw).toEqual(Array.from({ length: base + 20 - snap.version }, (_, i) => snap.version + 1 + i));
    hostOnA.close();
  }, 60_000);
});
