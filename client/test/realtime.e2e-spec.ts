/**
 * @jest-environment node
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { SessionCommands, type SessionEnded } from '@streamcat/protocol';
import { ApiError } from '../src/services/api';
import { RealtimeClient, type ConnectionState } from '../src/services/realtime';

// A real Socket.IO server in-process: the client is tested against the real protocol.
describe('RealtimeClient', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  const states: ConnectionState[] = [];

  beforeEach(async () => {
    http = createServer();
    io = new Server(http, { transports: ['websocket'] });
    io.use((socket, next) => {
      if (socket.handshake.auth.token === 'bad') {
        const err = new Error('Your session has expired') as Error & { data: unknown };
        err.data = { code: 'auth/invalid-token', message: 'Your session has expired' };
        return next(err);
      }
      next();
    });
    io.on('connection', (socket) => {
      socket.on('session:whoami', (_payload, ack) => ack({ ok: true, data: { user: null } }));
      socket.on('studio:layout', (_payload, ack) =>
        ack({ ok: false, error: { code: 'studio/version-conflict', message: 'Someone else changed it.' } }),
      );
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    states.length = 0;
  });
  afterEach(async () => {
    io.close();
    await new Promise((r) => http.close(r));
  });

  const client = (token = 'good') => new RealtimeClient({ url, auth: () => ({ token }), onState: (s) => states.push(s) });
  const until = async (cond: () => boolean, ms = 4_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('sends a command and resolves with the ack data', async () => {
    const c = client();
    c.connect();
    await until(() => c.connectionState === 'connected');
    await expect(c.send(SessionCommands.whoami, {})).resolves.toEqual({ user: null });
    c.disconnect();
  });

  it('turns an error ack into an ApiError with its code', async () => {
    const c = client();
    c.connect();
    await until(() => c.connectionState === 'connected');
    const layout = { name: 'studio:layout', schema: SessionCommands.whoami.schema, maxBytes: 100 } as const;
    const err = await c.send(layout, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'studio/version-conflict', message: 'Someone else changed it.' });
    c.disconnect();
  });

  it('stops retrying when the server refuses the login, and says why', async () => {
    const c = client('bad');
    c.connect();
    await until(() => c.connectionState === 'refused');
    await new Promise((r) => setTimeout(r, 800));
    expect(states.filter((s) => s === 'refused')).toHaveLength(1);
    c.disconnect();
  });

  it('reconnects after the connection drops and runs the resync hooks', async () => {
    const c = client();
    let resyncs = 0;
    c.onReconnect(() => resyncs++);
    c.connect();
    await until(() => c.connectionState === 'connected');
    expect(resyncs).toBe(0);
    // Cut the transport under the client, as a dying server node would.
    for (const s of await io.fetchSockets()) (s as unknown as { conn: { close(): void } }).conn.close();
    await until(() => states.includes('reconnecting'));
    await until(() => resyncs === 1);
    expect(c.connectionState).toBe('connected');
    c.disconnect();
  });

  it('reconnects at once with the same login when the server ends the socket for a new role', async () => {
    const ends: SessionEnded[] = [];
    const c = new RealtimeClient({
      url,
      auth: () => ({ token: 'good' }),
      onState: (s) => states.push(s),
      onSessionEnded: (e) => ends.push(e),
    });
    let resyncs = 0;
    c.onReconnect(() => resyncs++);
    c.connect();
    await until(() => c.connectionState === 'connected');
    const ended: SessionEnded = {
      reason: 'role-changed',
      message: 'Your role changed.',
      user: { id: 'u1', username: 'ann', role: 'user' },
    };
    for (const s of await io.fetchSockets()) {
      s.emit('session:ended', ended);
      s.disconnect(true);
    }
    await until(() => resyncs === 1);
    expect(ends).toEqual([ended]);
    expect(c.connectionState).toBe('connected');
    c.disconnect();
  });

  it('stays disconnected and reports why when the server ends an expired login', async () => {
    const ends: SessionEnded[] = [];
    const details: (string | undefined)[] = [];
    const c = new RealtimeClient({
      url,
      auth: () => ({ token: 'good' }),
      onState: (s, d) => (states.push(s), details.push(d)),
      onSessionEnded: (e) => ends.push(e),
    });
    c.connect();
    await until(() => c.connectionState === 'connected');
    for (const s of await io.fetchSockets()) {
      s.emit('session:ended', { reason: 'session-expired', message: 'Your session has expired. Please log in again.' });
      s.disconnect(true);
    }
    await until(() => c.connectionState === 'refused');
    expect(ends).toEqual([{ reason: 'session-expired', message: 'Your session has expired. Please log in again.' }]);
    expect(details[details.length - 1]).toBe('Your session has expired. Please log in again.');
    c.disconnect();
  });
});
