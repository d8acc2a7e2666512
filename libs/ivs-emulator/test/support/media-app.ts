import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Global, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IvsClient } from '@aws-sdk/client-ivs';
import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';
import express from 'express';
import { chromium, Browser, Page } from 'playwright-core';
import {
  EmulatorCredentials,
  IVS_EMULATOR_CLOCK,
  IVS_EVENT_SINK,
  IvsEmulatorModule,
  IvsEmulatorService,
  ivsEmulatorMigrations,
  IvsEventSink,
  IvsMediaOptions,
} from '@streamcat/ivs-emulator';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { newEmulatorCredentials, UNTHROTTLED_TEST_RATES } from './emulator-app';

export const REGION = 'us-east-1';
/** The static ffmpeg of the npm package the server installs as a fallback (Linux x64). */
export const PACKAGED_FFMPEG = join(dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');
export const ACCOUNT_ID = '123456789012';

/** Records every envelope the media plane emits, in order. */
export class RecordingSink implements IvsEventSink {
  readonly envelopes: { 'detail-type': string; resources: string[]; detail: Record<string, unknown> }[] = [];
  async emit(envelope: object): Promise<void> {
    this.envelopes.push(envelope as never);
  }
  /** `event_name` or `recording_status` of the events about `arn`, in order. */
  names(arn: string): string[] {
    return this.envelopes.filter((e) => e.resources[0] === arn).map((e) => String(e.detail.event_name ?? e.detail.recording_status));
  }
}

export interface MediaApp {
  app: INestApplication;
  /** http://localhost:<port> (a secure context for getUserMedia) */
  baseUrl: string;
  ivs: IvsClient;
  realtime: IVSRealTimeClient;
  emulator: IvsEmulatorService;
  sink: RecordingSink;
  dataDir: string;
  /** The key pair the emulator accepts (the SDK clients above sign with it). */
  credentials: EmulatorCredentials;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The emulator with its media plane on a fixed free port (the port is baked into tokens'
 * `events_url`), a recording event sink, and the browser harness served at /harness/.
 */
export async function startMediaApp(
  media: IvsMediaOptions = {},
  opts: { clock?: () => Date } = {},
): Promise<MediaApp & { db: TestDatabase }> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ivs-media-'));
  const harnessDir = join(dataDir, 'harness');
  execFileSync(process.execPath, [join(__dirname, '../browser/build-harness.mjs'), harnessDir], { stdio: 'inherit' });
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const sink = new RecordingSink();
  const credentials = newEmulatorCredentials();

  @Global()
  @Module({ providers: [{ provide: IVS_EVENT_SINK, useValue: sink }], exports: [IVS_EVENT_SINK] })
  class SinkModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      SinkModule,
      TypeOrmModule.forRoot({ type: 'postgres', url: db.url, migrations: ivsEmulatorMigrations, migrationsRun: true, synchronize: false }),
      IvsEmulatorModule.forRoot({
        dataDir,
        region: REGION,
        accountId: ACCOUNT_ID,
        publicUrl: baseUrl,
        credentials,
        media,
        limits: UNTHROTTLED_TEST_RATES,
      }),
    ],
  })
    .overrideProvider(IVS_EMULATOR_CLOCK)
    .useValue(opts.clock ?? (() => new Date()))
    .compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error', 'warn'] });
  app.use('/harness', express.static(harnessDir));
  app.use('/harness', express.static(join(__dirname, '../browser')));
  await app.listen(port, '127.0.0.1');
  // Media tests leave the client idle for seconds between calls: a kept-alive socket the server
  // closes at that moment fails with ECONNRESET, which the SDK's standard retry (as in production) absorbs.
  const clientConfig = { region: REGION, credentials, maxAttempts: 2 };
  const ivs = new IvsClient({ ...clientConfig, endpoint: `${baseUrl}/_ivs/channels` });
  const realtime = new IVSRealTimeClient({ ...clientConfig, endpoint: `${baseUrl}/_ivs/realtime` });
  return {
    app,
    db,
    baseUrl,
    ivs,
    realtime,
    emulator: app.get(IvsEmulatorService),
    sink,
    dataDir,
    credentials,
    async close() {
      ivs.destroy();
      realtime.destroy();
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with a fake camera and microphone (granted without prompts). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export async function openHarness(browser: Browser, baseUrl: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${baseUrl}/harness/index.html`);
  await page.waitForFunction('"harness" in window');
  return page;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with the last value). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}
