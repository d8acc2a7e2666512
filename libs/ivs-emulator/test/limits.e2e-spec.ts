import {
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  GetChannelCommand,
  ListChannelsCommand,
  ListStreamKeysCommand,
  PendingVerification as ChannelsPendingVerification,
  ServiceQuotaExceededException as ChannelsQuotaExceeded,
  ThrottlingException,
} from '@aws-sdk/client-ivs';
import {
  CreateParticipantTokenCommand,
  CreateStageCommand,
  DeleteStageCommand,
  DisconnectParticipantCommand,
  GetStageCommand,
  IVSRealTimeServiceException,
  ListStagesCommand,
  PendingVerification as RealtimePendingVerification,
  ServiceQuotaExceededException as RealtimeQuotaExceeded,
} from '@aws-sdk/client-ivs-realtime';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IVS_OPERATION_RATES } from '@streamcat/ivs-emulator';
import { PENDING_VERIFICATION_OPERATIONS } from '../src/limits/emulator-admission';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { EmulatorApp, sdkError, startEmulatorApp } from './support/emulator-app';

/** An emulator app on its own database with `limits`, for the enclosing describe. */
function useEmulator(limits: string): () => EmulatorApp {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-limits-'));
    env = await startEmulatorApp(db.url, dataDir, { limits });
  });
  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return () => env;
}

const allStages = async (env: EmulatorApp) => (await env.realtime.send(new ListStagesCommand({ maxResults: 100 }))).stages ?? [];
const allChannels = async (env: EmulatorApp) => (await env.ivs.send(new ListChannelsCommand({ maxResults: 100 }))).channels ?? [];

describe('IVS emulator limits through the AWS SDK: quotas', () => {
  // Rates raised so the quota, not the call rate, is what these tests meet.
  const emulator = useEmulator('stages=3,channels=2,CreateStage=100/s,DeleteStage=100/s,CreateChannel=100/s');

  it('refuses the 4th stage under a quota of 3 with ServiceQuotaExceededException (402), making nothing', async () => {
    const env = emulator();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await env.realtime.send(new CreateStageCommand({ name: `q${i}` }))).stage!.arn!);
    const err = await sdkError(() =>
      env.realtime.send(new CreateStageCommand({ name: 'q3', participantTokenConfigurations: [{ userId: 'host' }] })),
    );
    expect(err).toBeInstanceOf(RealtimeQuotaExceeded);
    expect(err.$metadata.httpStatusCode).toBe(402);
    expect(err.message).toBe('Request would cause a service quota to be exceeded. Quota: 3 stages per account in us-east-1.');
    expect((err as RealtimeQuotaExceeded).exceptionMessage).toBe(err.message);
    expect((await allStages(env)).map((s) => s.name).sort()).toEqual(['q0', 'q1', 'q2']);

    // A freed place admits the next one.
    await env.realtime.send(new DeleteStageCommand({ arn: made[0] }));
    const next = await env.realtime.send(new CreateStageCommand({ name: 'q4' }));
    expect((await env.realtime.send(new GetStageCommand({ arn: next.stage!.arn! }))).stage!.name).toBe('q4');
    await expect(env.realtime.send(new CreateStageCommand({ name: 'q5' }))).rejects.toBeInstanceOf(RealtimeQuotaExceeded);
    for (const s of await allStages(env)) await env.realtime.send(new DeleteStageCommand({ arn: s.arn }));
  });

  it('holds the stage quota when creates race: exactly the quota is made', async () => {
    const env = emulator();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => env.realtime.send(new CreateStageCommand({ name: `race${i}` }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(refused.every((e) => e instanceof RealtimeQuotaExceeded)).toBe(true);
    expect(await allStages(env)).toHaveLength(3);
  });

  it('refuses the 3rd channel under a quota of 2 (402), creating neither channel nor key', async () => {
    const env = emulator();
    await env.ivs.send(new CreateChannelCommand({ name: 'c1' }));
    await env.ivs.send(new CreateChannelCommand({ name: 'c2' }));
    const err = await sdkError(() => env.ivs.send(new CreateChannelCommand({ name: 'c3' })));
    expect(err).toBeInstanceOf(ChannelsQuotaExceeded);
    expect(err.$metadata.httpStatusCode).toBe(402);
    expect(err.message).toBe('Request would cause a service quota to be exceeded. Quota: 2 channels per account in us-east-1.');
    expect((await allChannels(env)).map((c) => c.name).sort()).toEqual(['c1', 'c2']);
  });

  it('allows one stream key per channel: a second is refused until the first is deleted', async () => {
    const env = emulator();
    const [channel] = await allChannels(env);
    const keys = async () => (await env.ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn! }))).streamKeys ?? [];
    const [key] = await keys();
    const err = await sdkError(() => env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel.arn! })));
    expect(err).toBeInstanceOf(ChannelsQuotaExceeded);
    expect(err.message).toBe('Request would cause a service quota to be exceeded. Quota: 1 stream keys per channel.');
    expect((await keys()).map((k) => k.arn)).toEqual([key.arn]);
    await env.ivs.send(new DeleteStreamKeyCommand({ arn: key.arn! }));
    await env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel.arn! }));
    expect(await keys()).toHaveLength(1);
  });
});

describe('IVS emulator limits through the AWS SDK: a configured stream-key quota', () => {
  const emulator = useEmulator('streamKeysPerChannel=2');

  it('allows as many keys per channel as configured', async () => {
    const env = emulator();
    const { channel } = await env.ivs.send(new CreateChannelCommand({ name: 'two-keys' }));
    await env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel!.arn! }));
    await expect(env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel!.arn! }))).rejects.toBeInstanceOf(ChannelsQuotaExceeded);
    expect((await env.ivs.send(new ListStreamKeysCommand({ channelArn: channel!.arn!, maxResults: 50 }))).streamKeys).toHaveLength(2);
  });
});

/**
 * Calls `fn` until it is not throttled, retrying every 20 ms; other errors end it. Returns how
 * many throttled answers it took.
 */
async function untilAdmitted(fn: () => Promise<unknown>, deadline: number): Promise<number> {
  for (let throttled = 0; ; throttled++) {
    try {
      await fn();
      return throttled;
    } catch (err) {
      if ((err as Error).name !== 'ThrottlingException' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * One call more than a second's budget, sent at once: sequential calls on a loaded machine can
 * take longer than the refill time, so the budget would never run out and nothing be refused.
 * Resolves with the refusal (the other calls are admitted).
 */
async function overTheRate(
  call: () => Promise<unknown>,
  perSecond: number,
): Promise<Error & { name: string; $metadata: { httpStatusCode?: number } }> {
  const settled = await Promise.allSettled(Array.from({ length: perSecond + 1 }, () => call()));
  const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!refused) throw new Error(`expected one of ${perSecond + 1} calls at once to be throttled, all succeeded`);
  return refused.reason as Error & { name: string; $metadata: { httpStatusCode?: number } };
}

describe('IVS emulator limits through the AWS SDK: call rates', () => {
  const emulator = useEmulator('DisconnectParticipant=10/s,GetChannel=2/s,GetStage=3/s');

  it('answers ThrottlingException (429) over the rate, on both APIs, and admits calls again after a wait', async () => {
    const env = emulator();
    const { channel } = await env.ivs.send(new CreateChannelCommand({ name: 'rated' }));
    const getChannel = () => env.ivs.send(new GetChannelCommand({ arn: channel!.arn! }));
    const err = await overTheRate(getChannel, 2);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.message).toBe('Request was denied due to request throttling.');

    // The real-time model declares no ThrottlingException: the SDK names it on its base class.
    const { stage } = await env.realtime.send(new CreateStageCommand({ name: 'rated' }));
    const getStage = () => env.realtime.send(new GetStageCommand({ arn: stage!.arn! }));
    const rtErr = await overTheRate(getStage, 3);
    expect(rtErr).toBeInstanceOf(IVSRealTimeServiceException);
    expect(rtErr.name).toBe('ThrottlingException');
    expect(rtErr.$metadata.httpStatusCode).toBe(429);

    // Other operations keep their own budget; a throttled one is admitted again within its refill time (500 ms at 2/s).
    await env.realtime.send(new ListStagesCommand({}));
    const waiting = Date.now();
    await untilAdmitted(getChannel, waiting + 5_000);
    expect(Date.now() - waiting).toBeLessThan(1_500);
  });

  it('admits a burst of 40 disconnects at the configured 10/s: all 40 done in about 3 s', async () => {
    const env = emulator();
    const { stage } = await env.realtime.send(new CreateStageCommand({ name: 'crowd' }));
    const tokens = [];
    for (let i = 0; i < 40; i++) {
      tokens.push(
        (await env.realtime.send(new CreateParticipantTokenCommand({ stageArn: stage!.arn!, userId: `v${i}` }))).participantToken!,
      );
    }
    const start = Date.now();
    const deadline = start + 15_000;
    // Four callers share the work, each retrying its call while throttled.
    const queue = [...tokens];
    let throttled = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          const participantId = t.participantId!;
          throttled += await untilAdmitted(
            () => env.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn!, participantId })),
            deadline,
          );
        }
      }),
    );
    const elapsed = Date.now() - start;
    // 10 at once from the full bucket, then 30 more at 10 per second.
    expect(elapsed).toBeGreaterThanOrEqual(2_700);
    expect(elapsed).toBeLessThan(4_500);
    expect(throttled).toBeGreaterThan(0);
    for (const t of tokens)
      expect(await env.emulator.verifyParticipantToken(t.token!)).toMatchObject({ ok: false, code: 'TOKEN_DISCONNECTED' });
    console.log(`40 DisconnectParticipant at 10/s: ${elapsed} ms, ${throttled} throttled answers`);
  });
});

describe('IVS emulator limits through the AWS SDK: an account pending verification', () => {
  const emulator = useEmulator('pendingVerification=true');

  it('refuses changes with PendingVerification (403) on both APIs and still answers reads', async () => {
    const env = emulator();
    const err = await sdkError(() => env.ivs.send(new CreateChannelCommand({ name: 'unverified' })));
    expect(err).toBeInstanceOf(ChannelsPendingVerification);
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe('Your account is pending verification.');
    const rtErr = await sdkError(() => env.realtime.send(new CreateStageCommand({ name: 'unverified' })));
    expect(rtErr).toBeInstanceOf(RealtimePendingVerification);
    expect(rtErr.$metadata.httpStatusCode).toBe(403);
    expect(await allChannels(env)).toEqual([]);
    expect(await allStages(env)).toEqual([]);
  });
});

describe('IVS emulator limits: the SDK models', () => {
  /** Operations whose command typings list `@throws {@link PendingVerification}`. */
  function pendingVerificationOperations(pkg: string): string[] {
    const dir = join(dirname(require.resolve(`${pkg}/package.json`)), 'dist-types', 'commands');
    return readdirSync(dir)
      .filter((f) => f.endsWith('Command.d.ts'))
      .filter((f) => readFileSync(join(dir, f), 'utf8').includes('@throws {@link PendingVerification}'))
      .map((f) => f.replace(/Command\.d\.ts$/, ''));
  }

  it('answers PendingVerification on exactly the implemented operations whose models list it', () => {
    const implemented = new Set(Object.keys(IVS_OPERATION_RATES));
    const modeled = [
      ...pendingVerificationOperations('@aws-sdk/client-ivs'),
      ...pendingVerificationOperations('@aws-sdk/client-ivs-realtime'),
    ];
    expect(modeled.filter((op) => implemented.has(op)).sort()).toEqual([...PENDING_VERIFICATION_OPERATIONS].sort());
  });
});
