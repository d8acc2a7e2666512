import { Client, type QueryResult, type QueryResultRow } from 'pg';
import type { Socket } from 'socket.io-client';
import type { CreateAppOptions } from '../../src/app.factory';
import type { UserRole } from '../../src/users/user.entity';
import type { TestDatabase } from '../../../test/support/database';
import { connected, connectSocket } from './sockets';
import { Account, startTestApp, TestApp } from './test-app';

/** The machine's Redis, shared by the nodes of a two-node test. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** SQL straight to the test database, past the server: for setting a scene and for checking what was stored. */
export interface TestSql {
  query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  /** Rows in a table. */
  count(table: string): Promise<number>;
}

/** A server started for a `describe` block: usable in its tests and in hooks declared after the call. */
export interface LiveTestApp {
  readonly app: TestApp['app'];
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly db: TestDatabase;
  readonly config: TestApp['config'];
  readonly pg: TestSql;
  /**
   * A connected socket to this node. Opened in a test, it is closed when the test ends; opened
   * in a `beforeAll`, when the block ends.
   */
  open(auth?: Record<string, string>, headers?: Record<string, string>): Promise<Socket>;
  /** Gives an account a site role directly in the database (what the operator's CLI does). */
  setRole(account: Account, role: UserRole): Promise<void>;
}

type StartOptions = CreateAppOptions & { db?: TestDatabase; dataDir?: string };

/**
 * One server (same factory as production) on a fresh database for the enclosing `describe`:
 * started in `beforeAll`, closed in `afterAll` with every socket opened through it.
 */
export function useTestApp(env: Record<string, string> = {}, options: StartOptions = {}): LiveTestApp {
  return useNodes([env], options)[0];
}

/**
 * Two server nodes on one database, data dir and Redis, as behind a round-robin proxy:
 * what one node does, a client of the other must see.
 */
export function useTwoNodes(env: Record<string, string> = {}): { a: LiveTestApp; b: LiveTestApp; pg: TestSql } {
  const withRedis = { REDIS_URL: TEST_REDIS_URL, ...env };
  const [a, b] = useNodes([withRedis, withRedis], {});
  return { a, b, pg: a.pg };
}

function useNodes(envs: Record<string, string>[], options: StartOptions): LiveTestApp[] {
  const nodes: TestApp[] = [];
  let client: Client | undefined;
  const track = socketsClosedAfterUse();
  beforeAll(async () => {
    for (const env of envs) {
      const first = nodes[0];
      nodes.push(await startTestApp(env, first ? { ...options, db: first.db, dataDir: first.config.dataDir } : options));
    }
    client = new Client({ connectionString: nodes[0].db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    // The first node owns the database and data dir: it goes last.
    for (const node of nodes.splice(0).reverse()) await node.close();
  });
  const pg: TestSql = {
    query: <R extends QueryResultRow>(text: string, values?: unknown[]) => {
      if (!client) throw new Error('the test database is not connected yet (use it in a test or a later hook)');
      return client.query<R>(text, values);
    },
    count: async (table) => Number((await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n),
  };
  return envs.map((_, i) => liveApp(() => nodes[i], pg, track));
}

function liveApp(get: () => TestApp | undefined, pg: TestSql, track: (s: Socket) => void): LiveTestApp {
  const started = (): TestApp => {
    const t = get();
    if (!t) throw new Error('the test app is not started yet (use it in a test or a hook declared after useTestApp)');
    return t;
  };
  return {
    get app() {
      return started().app;
    },
    get url() {
      return started().url;
    },
    get db() {
      return started().db;
    },
    get config() {
      return started().config;
    },
    pg,
    async open(auth = {}, headers) {
      const socket = connectSocket(started().url, auth, headers);
      track(socket);
      await connected(socket);
      return socket;
    },
    async setRole(account, role) {
      await pg.query('UPDATE users SET role = $2 WHERE id = $1', [account.user.id, role]);
    },
  };
}

/** Sockets opened during a test close when it ends; those opened in `beforeAll`, when the block ends. */
function socketsClosedAfterUse(): (s: Socket) => void {
  const ofBlock: Socket[] = [];
  const ofTest: Socket[] = [];
  let inTest = false;
  beforeEach(() => {
    inTest = true;
  });
  afterEach(() => {
    inTest = false;
    for (const s of ofTest.splice(0)) s.close();
  });
  afterAll(() => {
    for (const s of ofBlock.splice(0)) s.close();
  });
  return (s) => (inTest ? ofTest : ofBlock).push(s);
}
