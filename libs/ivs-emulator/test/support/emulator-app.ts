import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IvsClient } from '@aws-sdk/client-ivs';
import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';
import express from 'express';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  EmulatorCredentials,
  IVS_EMULATOR_CLOCK,
  IVS_OPERATION_RATES,
  IvsEmulatorModule,
  IvsEmulatorService,
  ivsEmulatorMigrations,
} from '@streamcat/ivs-emulator';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const PUBLIC_URL = 'http://localhost:3000';

/** A fresh key pair per app, shaped like AWS's, so no test can pass with a key it was not given. */
export function newEmulatorCredentials(): EmulatorCredentials {
  return {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

/**
 * Every call rate raised far above what a test sends: tests about other behaviour make calls
 * back to back, faster than AWS's 5 per second. Quotas stay AWS's; the limits tests set their own.
 */
export const UNTHROTTLED_TEST_RATES = Object.keys(IVS_OPERATION_RATES)
  .map((op) => `${op}=100000/s`)
  .join(',');

export interface EmulatorApp {
  app: INestApplication;
  baseUrl: string;
  ivs: IvsClient;
  realtime: IVSRealTimeClient;
  emulator: IvsEmulatorService;
  /** The key pair the emulator accepts (the SDK clients above sign with it). */
  credentials: EmulatorCredentials;
  close(): Promise<void>;
}

export interface EmulatorAppOptions {
  /** Overrides "now" (token iat/exp, verification, stream times). */
  clock?: () => Date;
  /** `none` (default) leaves parsing to the emulator, as the server does; `host-json` puts express.json in front. */
  bodyParser?: 'host-json' | 'none';
  /** Quota, rate and account-standing overrides (`IvsEmulatorModule.forRoot({limits})`); default UNTHROTTLED_TEST_RATES. */
  limits?: string;
}

/**
 * Boots the emulator the way the host app mounts it (no global prefix, express JSON parser),
 * listening on a random port, with the real AWS SDK clients pointed at it.
 */
export async function startEmulatorApp(dbUrl: string, dataDir: string, opts: EmulatorAppOptions = {}): Promise<EmulatorApp> {
  const credentials = newEmulatorCredentials();
  let builder = Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: dbUrl,
        migrations: ivsEmulatorMigrations,
        migrationsRun: true,
        synchronize: false,
      }),
      IvsEmulatorModule.forRoot({
        dataDir,
        region: REGION,
        accountId: ACCOUNT_ID,
        publicUrl: PUBLIC_URL,
        credentials,
        limits: opts.limits ?? UNTHROTTLED_TEST_RATES,
      }),
    ],
  });
  if (opts.clock) builder = builder.overrideProvider(IVS_EMULATOR_CLOCK).useValue(opts.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] });
  if (opts.bodyParser === 'host-json') app.use(express.json({ limit: '64kb' }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const clientConfig = {
    region: REGION,
    credentials,
    // One attempt: a retried 500 would hide the failure and slow the suite.
    maxAttempts: 1,
  };
  const ivs = new IvsClient({ ...clientConfig, endpoint: `${baseUrl}/_ivs/channels` });
  const realtime = new IVSRealTimeClient({ ...clientConfig, endpoint: `${baseUrl}/_ivs/realtime` });
  return {
    app,
    baseUrl,
    ivs,
    realtime,
    emulator: app.get(IvsEmulatorService),
    credentials,
    async close() {
      ivs.destroy();
      realtime.destroy();
      await app.close();
    },
  };
}

/** Runs `fn`, expecting an AWS SDK error; returns it for assertions. */
export async function sdkError(fn: () => Promise<unknown>): Promise<Error & { name: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { name: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
