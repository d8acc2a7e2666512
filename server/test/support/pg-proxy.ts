import { connect, createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { startTestApp, TestApp } from './test-app';

/**
 * A TCP proxy in front of the local PostgreSQL that a test can cut (every connection dropped,
 * new ones refused) and restore on the same port: the database going away, for real.
 */
export class PgProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((ok) => this.server!.listen(this.port, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((ok) => this.server!.close(() => ok()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** A database URL like `url` that goes through this proxy. */
  via(url: string): string {
    const u = new URL(url);
    u.port = String(this.port);
    return u.toString();
  }
}

/** A test app whose database is reached through a PgProxy, and a direct client for the test's own reads. */
export interface AppBehindProxy {
  db: TestDatabase;
  proxy: PgProxy;
  t: TestApp;
  /** Talks to PostgreSQL directly, whatever the proxy does. */
  pg: Client;
  close(): Promise<void>;
}

export async function startAppBehindProxy(): Promise<AppBehindProxy> {
  const db = await createTestDatabase();
  const proxy = new PgProxy();
  await proxy.start();
  const t = await startTestApp({}, { db: { ...db, url: proxy.via(db.url) } });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  return {
    db,
    proxy,
    t,
    pg,
    async close() {
      await pg.end();
      await t.close();
      // A test may leave the proxy cut (stopped) already.
      await proxy.stop().catch(() => undefined);
      await db.drop();
    },
  };
}
