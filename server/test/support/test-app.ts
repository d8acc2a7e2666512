import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApp, CreateAppOptions } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/config';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import testLimits from '../../../test/support/test-limits.json';

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  db: TestDatabase;
  config: AppConfig & { databaseUrl: string };
  close(): Promise<void>;
}

/**
 * The real server (same factory as production) on a fresh database and data dir,
 * in local mode, listening on a random loopback port.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: CreateAppOptions & { db?: TestDatabase; dataDir?: string } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'streamcat-test-'));
  const config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SERVE_CLIENT: 'false',
      LOG_LEVEL: 'error',
      RTMP_PORT: '0',
      RATE_LIMITS: testLimits.RATE_LIMITS,
      ...env,
    }),
    databaseUrl: db.url,
  };
  const app = await createApp(config, { backgroundJobs: false, ...options });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    db,
    config,
    async close() {
      await app.close();
      if (!options.db) await db.drop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Small JSON client for tests: returns status and parsed body. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed as T };
}

/** Delivers an IVS event (or a batch) to a node as EventBridge does, with the API destination's key. */
export function postIvsEvent(node: { url: string; config: AppConfig }, body: unknown) {
  return call(node.url, 'POST', '/api/ivs/events', body, undefined, { 'x-api-key': node.config.ivsEventsApiKey });
}

let counter = 0;
/** A username unique within the run. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}${Math.random().toString(36).slice(2, 6)}`.slice(0, 32);
}

export async function register(base: string, username = uniqueName(), password = 'correct-horse-1') {
  const res = await call<{ accessToken: string; user: { id: string; username: string; role: string } }>(
    base,
    'POST',
    '/api/auth/register',
    {
      username,
      password,
    },
  );
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, password };
}

/** A signed-up user: login token, public user and password. */
export type Account = Awaited<ReturnType<typeof register>>;
