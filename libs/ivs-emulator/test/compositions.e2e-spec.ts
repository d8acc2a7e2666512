import { Global, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CreateChannelCommand, DeleteStreamKeyCommand, IvsClient } from '@aws-sdk/client-ivs';
import {
  AccessDeniedException,
  ConflictException,
  CreateEncoderConfigurationCommand,
  CreateStageCommand,
  CreateStorageConfigurationCommand,
  DeleteEncoderConfigurationCommand,
  DeleteStageCommand,
  DeleteStorageConfigurationCommand,
  GetCompositionCommand,
  GetEncoderConfigurationCommand,
  GetStorageConfigurationCommand,
  IVSRealTimeClient,
  ListCompositionsCommand,
  ListEncoderConfigurationsCommand,
  ListStorageConfigurationsCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  StartCompositionCommand,
  StartCompositionCommandInput,
  StopCompositionCommand,
  ValidationException,
} from '@aws-sdk/client-ivs-realtime';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IVS_EVENT_SINK, IvsEmulatorModule, ivsEmulatorMigrations, IvsEventSink } from '@streamcat/ivs-emulator';
import { COMPOSITION_OPTIONS, DEFAULT_COMPOSITION_OPTIONS } from '../src/compositions/compositions.options';
import {
  CompositionEngine,
  CompositionMediaListener,
  CompositionPlan,
  RunningComposition,
} from '../src/media/composition/composition-engine';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { eventually } from '../../../test/support/eventually';
import { ACCOUNT_ID, newEmulatorCredentials, REGION, sdkError, UNTHROTTLED_TEST_RATES } from './support/emulator-app';

/**
 * Why an in-test engine: the real one (ffmpeg composing the stage's SFU tracks) is the media
 * plane's and is built separately behind CompositionEngine. What is tested here is the AWS-facing
 * control plane — validation, limits, idempotency, states and events — so the test drives what the
 * media reports (destination states, publishers, failures) itself and checks what IVS would show.
 */
class ScriptedEngine extends CompositionEngine {
  readonly started: { plan: CompositionPlan; listener: CompositionMediaListener; stops: number }[] = [];
  /** Set to make the next start() reject, as an engine that cannot run (no ffmpeg) would. */
  failNextStart?: string;

  async start(plan: CompositionPlan, listener: CompositionMediaListener): Promise<RunningComposition> {
    if (this.failNextStart) {
      const message = this.failNextStart;
      this.failNextStart = undefined;
      throw new Error(message);
    }
    const entry = { plan, listener, stops: 0 };
    this.started.push(entry);
    return {
      stop: async () => {
        entry.stops++;
      },
    };
  }

  of(compositionArn: string) {
    const e = this.started.find((s) => s.plan.compositionArn === compositionArn);
    if (!e) throw new Error(`the engine never started ${compositionArn}`);
    return e;
  }
}

class RecordingSink implements IvsEventSink {
  readonly envelopes: { 'detail-type': string; resources: string[]; detail: Record<string, unknown> }[] = [];
  async emit(envelope: object): Promise<void> {
    this.envelopes.push(envelope as never);
  }
  /** `event_name` (with `:<destination id>` for destination events) of the events about `arn`, in order. */
  names(arn: string): string[] {
    return this.envelopes
      .filter((e) => e.resources[0] === arn)
      .map((e) => (e.detail.id ? `${String(e.detail.event_name)}:${String(e.detail.id)}` : String(e.detail.event_name)));
  }
}

/**
 * The idle minute, shortened. Stages here have no real participants, so every composition arms it at
 * start: tests that need one to keep running say a publisher is there (startPublished).
 */
const IDLE_MS = 1000;

describe('IVS emulator: server-side composition through @aws-sdk/client-ivs-realtime', () => {
  let db: TestDatabase;
  let dataDir: string;
  let app: INestApplication;
  let realtime: IVSRealTimeClient;
  let ivs: IvsClient;
  const engine = new ScriptedEngine();
  const sink = new RecordingSink();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-compositions-'));
    const credentials = newEmulatorCredentials();

    @Global()
    @Module({
      providers: [
        { provide: CompositionEngine, useValue: engine },
        { provide: IVS_EVENT_SINK, useValue: sink },
      ],
      exports: [CompositionEngine, IVS_EVENT_SINK],
    })
    class TestMediaModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: db.url,
          migrations: ivsEmulatorMigrations,
          migrationsRun: true,
          synchronize: false,
        }),
        TestMediaModule,
        IvsEmulatorModule.forRoot({
          dataDir,
          region: REGION,
          accountId: ACCOUNT_ID,
          publicUrl: 'http://localhost:3000',
          credentials,
          // One cheap operation at AWS's rate, to see the rate table apply to the new operations.
          limits: `${UNTHROTTLED_TEST_RATES},ListStorageConfigurations=5/s,encoderConfigurations=12`,
        }),
      ],
    })
      .overrideProvider(COMPOSITION_OPTIONS)
      .useValue({ ...DEFAULT_COMPOSITION_OPTIONS, idleStopMs: IDLE_MS })
      .compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const config = { region: REGION, credentials, maxAttempts: 1 };
    realtime = new IVSRealTimeClient({ ...config, endpoint: `http://127.0.0.1:${port}/_ivs/realtime` });
    ivs = new IvsClient({ ...config, endpoint: `http://127.0.0.1:${port}/_ivs/channels` });
  });

  afterAll(async () => {
    realtime?.destroy();
    ivs?.destroy();
    await app?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const stage = async () => (await realtime.send(new CreateStageCommand({}))).stage!.arn!;
  const channel = async () => {
    const out = await ivs.send(new CreateChannelCommand({}));
    return { arn: out.channel!.arn!, streamKey: out.streamKey!.value!, streamKeyArn: out.streamKey!.arn! };
  };
  const encoder = async (video?: { width?: number; height?: number; framerate?: number; bitrate?: number }) =>
    (await realtime.send(new CreateEncoderConfigurationCommand({ video }))).encoderConfiguration!.arn!;
  const storage = async (bucketName = 'my-recordings') =>
    (await realtime.send(new CreateStorageConfigurationCommand({ s3: { bucketName } }))).storageConfiguration!.arn!;
  const start = (input: StartCompositionCommandInput) => realtime.send(new StartCompositionCommand(input));
  /** Starts and has the media report a publisher at once, so the idle stop stays out of the way. */
  const startPublished = async (input: StartCompositionCommandInput) => {
    const out = await start(input);
    engine.of(out.composition!.arn!).listener.publishersChanged(1);
    return out;
  };
  const get = async (arn: string) => (await realtime.send(new GetCompositionCommand({ arn }))).composition!;
  const stop = (arn: string) => realtime.send(new StopCompositionCommand({ arn }));
  const stateOf = async (arn: string) => (await get(arn)).state;
  const s3Destination = async () => ({ s3: { storageConfigurationArn: await storage(), encoderConfigurationArns: [await encoder()] } });

  describe('EncoderConfiguration', () => {
    it('applies IVS defaults (1280×720, 30 fps, 2.5 Mbps) and reads back the same through Get and List', async () => {
      const created = (await realtime.send(new CreateEncoderConfigurationCommand({ name: 'programme', tags: { team: 'cats' } })))
        .encoderConfiguration!;
      expect(created.arn).toMatch(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:encoder-configuration/[A-Za-z0-9]{12}$`));
      expect(created).toEqual({
        arn: created.arn,
        name: 'programme',
        video: { width: 1280, height: 720, framerate: 30, bitrate: 2_500_000 },
        tags: { team: 'cats' },
      });
      expect((await realtime.send(new GetEncoderConfigurationCommand({ arn: created.arn }))).encoderConfiguration).toEqual(created);
      const listed = await realtime.send(new ListEncoderConfigurationsCommand({}));
      expect(listed.encoderConfigurations).toContainEqual({ arn: created.arn, name: 'programme', tags: { team: 'cats' } });

      const full = (
        await realtime.send(
          new CreateEncoderConfigurationCommand({ video: { width: 1080, height: 1920, framerate: 60, bitrate: 8_500_000 } }),
        )
      ).encoderConfiguration!;
      expect(full.video).toEqual({ width: 1080, height: 1920, framerate: 60, bitrate: 8_500_000 });
    });

    it.each([
      ['an odd width', { width: 1281 }, 'video.width: must be an even number'],
      ['more than 1920×1080 pixels', { width: 1920, height: 1920 }, 'more than 2073600'],
      ['a side over 1920', { width: 2560, height: 720 }, 'video.width: must be at most 1920'],
      ['a frame rate over 60', { framerate: 61 }, 'video.framerate: must be at most 60'],
      ['a bitrate over 8.5 Mbps', { bitrate: 8_500_001 }, 'video.bitrate: must be at most 8500000'],
    ])('refuses %s with ValidationException', async (_what, video, message) => {
      const err = await sdkError(() => realtime.send(new CreateEncoderConfigurationCommand({ video })));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.message).toContain(message);
    });

    it('answers 404 for a missing one and 403 for another account’s', async () => {
      const missing = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:encoder-configuration/AbCdEf123456`;
      expect(await sdkError(() => realtime.send(new GetEncoderConfigurationCommand({ arn: missing })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(await sdkError(() => realtime.send(new DeleteEncoderConfigurationCommand({ arn: missing })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      const foreign = `arn:aws:ivs:${REGION}:999999999999:encoder-configuration/AbCdEf123456`;
      expect(await sdkError(() => realtime.send(new GetEncoderConfigurationCommand({ arn: foreign })))).toBeInstanceOf(
        AccessDeniedException,
      );
    });
  });

  describe('StorageConfiguration', () => {
    it('creates, reads, lists and deletes an S3 storage configuration', async () => {
      const created = (
        await realtime.send(new CreateStorageConfigurationCommand({ name: 'vod', s3: { bucketName: 'cat-vods' }, tags: { a: 'b' } }))
      ).storageConfiguration!;
      expect(created).toEqual({
        arn: expect.stringMatching(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:storage-configuration/[A-Za-z0-9]{12}$`)),
        name: 'vod',
        s3: { bucketName: 'cat-vods' },
        tags: { a: 'b' },
      });
      expect((await realtime.send(new GetStorageConfigurationCommand({ arn: created.arn }))).storageConfiguration).toEqual(created);
      expect((await realtime.send(new ListStorageConfigurationsCommand({}))).storageConfigurations).toContainEqual(created);
      await realtime.send(new DeleteStorageConfigurationCommand({ arn: created.arn }));
      expect(await sdkError(() => realtime.send(new GetStorageConfigurationCommand({ arn: created.arn! })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it('refuses a bucket name S3 would not accept', async () => {
      for (const bucketName of ['ab', 'Upper-Case', 'under_score']) {
        const err = await sdkError(() => realtime.send(new CreateStorageConfigurationCommand({ s3: { bucketName } })));
        expect(err).toBeInstanceOf(ValidationException);
        expect(err.message).toContain('s3.bucketName');
      }
    });
  });

  describe('StartComposition validation', () => {
    it.each<[string, (s: string, c: string) => StartCompositionCommandInput, string]>([
      ['no destination', (s) => ({ stageArn: s, destinations: [] }), 'destinations: must have at least 1 entry'],
      [
        'three destinations',
        (s, c) => ({
          stageArn: s,
          destinations: [{ channel: { channelArn: c } }, { channel: { channelArn: c } }, { channel: { channelArn: c } }],
        }),
        'destinations: must have at most 2 entries',
      ],
      [
        'a destination naming nothing',
        (s) => ({ stageArn: s, destinations: [{ name: 'nothing' }] }),
        'destinations.0: specify a channel or an s3',
      ],
      [
        'two channels',
        (s, c) => ({ stageArn: s, destinations: [{ channel: { channelArn: c } }, { channel: { channelArn: c } }] }),
        'one channel and one s3',
      ],
      [
        'grid and pip together',
        (s, c) => ({ stageArn: s, destinations: [{ channel: { channelArn: c } }], layout: { grid: {}, pip: {} } }),
        'either grid or pip',
      ],
      [
        'a channel ARN where a stage ARN goes',
        (_s, c) => ({ stageArn: c, destinations: [{ channel: { channelArn: c } }] }),
        'stageArn: must be a stage ARN',
      ],
      [
        'a bad idempotency token',
        (s, c) => ({ stageArn: s, idempotencyToken: 'no spaces', destinations: [{ channel: { channelArn: c } }] }),
        'idempotencyToken',
      ],
      [
        'a negative grid gap',
        (s, c) => ({ stageArn: s, destinations: [{ channel: { channelArn: c } }], layout: { grid: { gridGap: -1 } } }),
        'layout.grid.gridGap: must be at least 0',
      ],
    ])('refuses %s with ValidationException', async (_what, input, message) => {
      const c = (await channel()).arn;
      const err = await sdkError(() => start(input(`arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stage/AbCdEf123456`, c)));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.message).toContain(message);
    });

    it('answers 404 for a missing stage or channel and 403 for another account’s', async () => {
      const c = (await channel()).arn;
      const missingStage = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stage/AbCdEf123456`;
      expect(await sdkError(() => start({ stageArn: missingStage, destinations: [{ channel: { channelArn: c } }] }))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      const s = await stage();
      const missingChannel = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:channel/AbCdEf123456`;
      expect(await sdkError(() => start({ stageArn: s, destinations: [{ channel: { channelArn: missingChannel } }] }))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      const foreign = `arn:aws:ivs:${REGION}:999999999999:channel/AbCdEf123456`;
      expect(await sdkError(() => start({ stageArn: s, destinations: [{ channel: { channelArn: foreign } }] }))).toBeInstanceOf(
        AccessDeniedException,
      );
      expect(engine.started.filter((e) => e.plan.stageArn === s)).toHaveLength(0);
    });
  });

  describe('a composition to a channel and S3, from start to stop', () => {
    it('answers STARTING with IVS defaults, gives the engine a complete plan, and reports states and events as the media does', async () => {
      const s = await stage();
      const ch = await channel();
      const enc = await encoder({ width: 1920, height: 1080 });
      const sto = await storage('cat-vods');
      const out = await startPublished({
        stageArn: s,
        tags: { show: 'friday' },
        destinations: [
          { name: 'live', channel: { channelArn: ch.arn } },
          {
            name: 'vod',
            s3: {
              storageConfigurationArn: sto,
              encoderConfigurationArns: [enc],
              recordingConfiguration: { hlsConfiguration: { targetSegmentDurationSeconds: 4 } },
            },
          },
        ],
      });
      const c = out.composition!;
      expect(c.arn).toMatch(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:composition/[A-Za-z0-9]{12}$`));
      expect(c).toMatchObject({
        stageArn: s,
        state: 'STARTING',
        tags: { show: 'friday' },
        layout: {
          grid: {
            featuredParticipantAttribute: '',
            participantOrderAttribute: '',
            omitStoppedVideo: false,
            videoAspectRatio: 'VIDEO',
            gridGap: 2,
          },
        },
      });
      expect(c.startTime).toBeInstanceOf(Date);
      expect(c.endTime).toBeUndefined();
      const [live, vod] = c.destinations!;
      expect(live).toMatchObject({ state: 'STARTING', configuration: { name: 'live', channel: { channelArn: ch.arn } } });
      const stageId = s.split('/')[1];
      const compositionId = c.arn!.split('/')[1];
      expect(vod.detail?.s3?.recordingPrefix).toBe(`${stageId}/${compositionId}/${compositionId}`);

      // The plan: the channel's stream key and default video; S3 in the local bucket folder, at the prefix, with its segment length.
      const { plan, listener } = engine.of(c.arn!);
      expect(plan).toMatchObject({
        compositionId,
        compositionArn: c.arn,
        stageArn: s,
        layout: { kind: 'grid', gridGap: 2, videoFillMode: 'COVER' },
      });
      expect(plan.destinations).toEqual([
        {
          id: live.id,
          kind: 'channel',
          channelArn: ch.arn,
          streamKey: ch.streamKey,
          video: { width: 1280, height: 720, framerate: 30, bitrate: 2_500_000 },
        },
        {
          id: vod.id,
          kind: 's3',
          dir: join(dataDir, 'recordings', '_buckets', 'cat-vods', vod.detail!.s3!.recordingPrefix!),
          video: [{ width: 1920, height: 1080, framerate: 30, bitrate: 2_500_000 }],
          segmentSeconds: 4,
        },
      ]);

      await eventually('the session to start', async () => (await stateOf(c.arn!)) === 'ACTIVE');
      listener.destinationState(live.id!, 'ACTIVE');
      listener.destinationState(vod.id!, 'ACTIVE');
      const active = await eventually('both destinations active', async () => {
        const got = await get(c.arn!);
        return got.destinations!.every((d) => d.state === 'ACTIVE') && got;
      });
      expect(active.destinations!.every((d) => d.startTime instanceof Date)).toBe(true);

      // One composition per stage; configurations in use cannot be deleted.
      const again = await sdkError(() => start({ stageArn: s, destinations: [{ channel: { channelArn: ch.arn } }] }));
      expect(again).toBeInstanceOf(ConflictException);
      expect(await sdkError(() => realtime.send(new DeleteEncoderConfigurationCommand({ arn: enc })))).toBeInstanceOf(ConflictException);
      expect(await sdkError(() => realtime.send(new DeleteStorageConfigurationCommand({ arn: sto })))).toBeInstanceOf(ConflictException);

      const listed = await realtime.send(new ListCompositionsCommand({ filterByStageArn: s }));
      expect(listed.compositions).toEqual([
        {
          arn: c.arn,
          stageArn: s,
          state: 'ACTIVE',
          tags: { show: 'friday' },
          startTime: c.startTime,
          destinations: active.destinations!.map((d) => ({ id: d.id, state: 'ACTIVE', startTime: d.startTime })),
        },
      ]);
      expect(
        (await realtime.send(new ListCompositionsCommand({ filterByEncoderConfigurationArn: enc }))).compositions!.map((x) => x.arn),
      ).toEqual([c.arn]);

      await stop(c.arn!);
      const stopped = await eventually('the composition to stop', async () => {
        const got = await get(c.arn!);
        return got.state === 'STOPPED' && got;
      });
      expect(engine.of(c.arn!).stops).toBe(1);
      expect(stopped.endTime).toBeInstanceOf(Date);
      expect(stopped.destinations!.map((d) => d.state)).toEqual(['STOPPED', 'STOPPED']);
      expect(sink.names(c.arn!)).toEqual([
        'Session Start',
        `Destination Start:${live.id}`,
        `Destination Start:${vod.id}`,
        `Destination End:${live.id}`,
        `Destination End:${vod.id}`,
        'Session End',
      ]);
      const first = sink.envelopes.find((e) => e.resources[0] === c.arn)!;
      expect(first).toMatchObject({
        'detail-type': 'IVS Composition State Change',
        source: 'aws.ivs',
        account: ACCOUNT_ID,
        region: REGION,
        detail: { event_name: 'Session Start', stage_arn: s },
      });

      // Stopping again changes nothing; once ended, its configurations are free again.
      await stop(c.arn!);
      expect(await stateOf(c.arn!)).toBe('STOPPED');
      await realtime.send(new DeleteEncoderConfigurationCommand({ arn: enc }));
      await realtime.send(new DeleteStorageConfigurationCommand({ arn: sto }));
    });
  });

  describe('idempotencyToken', () => {
    it('gives the same composition for the same token and request, and refuses the token with a different request', async () => {
      const s = await stage();
      const ch = await channel();
      const input: StartCompositionCommandInput = {
        stageArn: s,
        idempotencyToken: `token-${Date.now()}`,
        destinations: [{ channel: { channelArn: ch.arn } }],
      };
      const first = (await startPublished(input)).composition!;
      const retry = (await start(input)).composition!;
      expect(retry.arn).toBe(first.arn);
      expect(engine.started.filter((e) => e.plan.stageArn === s)).toHaveLength(1);

      const err = await sdkError(() => start({ ...input, layout: { pip: {} } }));
      expect(err).toBeInstanceOf(ConflictException);
      expect(err.message).toContain('idempotencyToken');
      await stop(first.arn!);
      await eventually('the composition to stop', async () => (await stateOf(first.arn!)) === 'STOPPED');
    });
  });

  describe('limits', () => {
    it('allows 5 running compositions per account; the 6th is ServiceQuotaExceededException until one ends', async () => {
      const running: string[] = [];
      for (let i = 0; i < 5; i++) {
        running.push((await startPublished({ stageArn: await stage(), destinations: [await s3Destination()] })).composition!.arn!);
      }
      const sixthStage = await stage();
      const sixth = { stageArn: sixthStage, destinations: [await s3Destination()] };
      const err = await sdkError(() => start(sixth));
      expect(err).toBeInstanceOf(ServiceQuotaExceededException);
      expect(err.$metadata.httpStatusCode).toBe(402);

      await stop(running[0]);
      await eventually('one composition to end', async () => (await stateOf(running[0])) === 'STOPPED');
      const arn = (await startPublished(sixth)).composition!.arn!;
      for (const a of [...running.slice(1), arn]) await stop(a);
      await eventually('all to end', async () => (await Promise.all([...running, arn].map(stateOf))).every((st) => st === 'STOPPED'));
    });

    it('refuses the encoder configuration beyond the quota', async () => {
      const existing = (await realtime.send(new ListEncoderConfigurationsCommand({}))).encoderConfigurations!.length;
      for (let i = existing; i < 12; i++) await encoder();
      expect(await sdkError(() => encoder())).toBeInstanceOf(ServiceQuotaExceededException);
      for (const e of (await realtime.send(new ListEncoderConfigurationsCommand({}))).encoderConfigurations!) {
        await realtime.send(new DeleteEncoderConfigurationCommand({ arn: e.arn }));
      }
    });
  });

  describe('how a composition ends by itself', () => {
    it('ends a minute (here IDLE_MS) after the stage has no publisher, not while someone publishes', async () => {
      const s = await stage();
      const arn = (await start({ stageArn: s, destinations: [await s3Destination()] })).composition!.arn!;
      const { listener } = engine.of(arn);
      listener.publishersChanged(2);
      // A deliberate wait: nothing may happen for well over the idle delay while publishers are there.
      await new Promise((r) => setTimeout(r, IDLE_MS * 2));
      expect(await stateOf(arn)).toBe('ACTIVE');

      const leftAt = Date.now();
      listener.publishersChanged(0);
      await eventually('the idle stop', async () => (await stateOf(arn)) === 'STOPPED');
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(IDLE_MS - 20);
      expect(sink.names(arn)).toEqual(['Session Start', expect.stringMatching(/^Destination End:/), 'Session End']);
    });

    it('ends IDLE_MS after it started on a stage nobody publishes to', async () => {
      const arn = (await start({ stageArn: await stage(), destinations: [await s3Destination()] })).composition!.arn!;
      await eventually('the idle stop', async () => (await stateOf(arn)) === 'STOPPED');
      expect(sink.names(arn)).toEqual(['Session Start', expect.stringMatching(/^Destination End:/), 'Session End']);
    });

    it('fails the composition when a destination fails for good: Destination Failure, the others end, Session Failure', async () => {
      const s = await stage();
      const ch = await channel();
      const c = (await startPublished({ stageArn: s, destinations: [{ channel: { channelArn: ch.arn } }, await s3Destination()] }))
        .composition!;
      const [live, vod] = c.destinations!;
      const { listener } = engine.of(c.arn!);
      listener.destinationState(live.id!, 'ACTIVE');
      listener.destinationState(vod.id!, 'ACTIVE');
      listener.destinationState(live.id!, 'RECONNECTING');
      listener.destinationState(live.id!, 'FAILED', { code: 'RTMP_RETRIES_EXHAUSTED', message: 'Broadcasting to the channel failed.' });
      const failed = await eventually('the composition to fail', async () => {
        const got = await get(c.arn!);
        return got.state === 'FAILED' && got;
      });
      expect(failed.destinations!.map((d) => d.state)).toEqual(['FAILED', 'STOPPED']);
      expect(engine.of(c.arn!).stops).toBe(1);
      expect(sink.names(c.arn!)).toEqual([
        'Session Start',
        `Destination Start:${live.id}`,
        `Destination Start:${vod.id}`,
        `Destination Reconnecting:${live.id}`,
        `Destination Failure:${live.id}`,
        `Destination End:${vod.id}`,
        'Session Failure',
      ]);
      const failure = sink.envelopes.find((e) => e.resources[0] === c.arn && e.detail.event_name === 'Destination Failure')!;
      expect(failure.detail).toMatchObject({ stage_arn: s, id: live.id, reason: 'Broadcasting to the channel failed.' });
    });

    it('fails a channel destination that has no stream key without starting any media', async () => {
      const s = await stage();
      const ch = await channel();
      await ivs.send(new DeleteStreamKeyCommand({ arn: ch.streamKeyArn }));
      const c = (await start({ stageArn: s, destinations: [{ channel: { channelArn: ch.arn } }] })).composition!;
      await eventually('the composition to fail', async () => (await stateOf(c.arn!)) === 'FAILED');
      expect(engine.started.some((e) => e.plan.compositionArn === c.arn)).toBe(false);
      expect(sink.names(c.arn!)).toEqual([`Destination Failure:${c.destinations![0].id}`, 'Session Failure']);
    });

    it('fails with Session Failure when the engine cannot start, and when the stage is deleted', async () => {
      engine.failNextStart = 'ffmpeg is missing';
      const cannot = (await start({ stageArn: await stage(), destinations: [await s3Destination()] })).composition!.arn!;
      await eventually('the composition to fail', async () => (await stateOf(cannot)) === 'FAILED');
      expect(sink.names(cannot)).toEqual(['Session Failure']);
      expect(sink.envelopes.find((e) => e.resources[0] === cannot)!.detail.reason).toBe('ffmpeg is missing');

      const s = await stage();
      const arn = (await startPublished({ stageArn: s, destinations: [await s3Destination()] })).composition!.arn!;
      await eventually('the session to start', async () => (await stateOf(arn)) === 'ACTIVE');
      await realtime.send(new DeleteStageCommand({ arn: s }));
      await eventually('the composition to fail', async () => (await stateOf(arn)) === 'FAILED');
      expect(engine.of(arn).stops).toBe(1);
      expect(sink.names(arn)).toEqual(['Session Start', expect.stringMatching(/^Destination End:/), 'Session Failure']);
    });
  });

  it('fails a composition whose process stopped marking it alive, which frees its stage', async () => {
    const s = await stage();
    const arn = (await startPublished({ stageArn: s, destinations: [await s3Destination()] })).composition!.arn!;
    await eventually('the session to start', async () => (await stateOf(arn)) === 'ACTIVE');
    // As if another emulator process had started it and then died an hour ago.
    await app
      .get(DataSource)
      .query(`UPDATE ivs_emu_compositions SET runner_id = 'gone', alive_at = now() - interval '1 hour' WHERE arn = $1`, [arn]);
    expect(await stateOf(arn)).toBe('FAILED');
    expect(sink.names(arn)).toEqual(['Session Start', 'Session Failure']);
    const next = (await startPublished({ stageArn: s, destinations: [await s3Destination()] })).composition!.arn!;
    await stop(next);
    await eventually('the composition to stop', async () => (await stateOf(next)) === 'STOPPED');
  });

  it('answers 404 for a composition that does not exist and 403 for another account’s', async () => {
    const missing = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:composition/AbCdEf123456`;
    expect(await sdkError(() => get(missing))).toBeInstanceOf(ResourceNotFoundException);
    expect(await sdkError(() => stop(missing))).toBeInstanceOf(ResourceNotFoundException);
    expect(await sdkError(() => get(`arn:aws:ivs:${REGION}:999999999999:composition/AbCdEf123456`))).toBeInstanceOf(AccessDeniedException);
  });
  // Last in the file: ListStorageConfigurations was last called seconds ago (the idle test waits), so its
  // budget is full again and a burst of 10 meets AWS's 5 per second.
  describe('call rates', () => {
    it('throttles a new operation beyond its rate (ListStorageConfigurations, 5 per second)', async () => {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => realtime.send(new ListStorageConfigurationsCommand({}))));
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode?: number } });
      // 5 from the full bucket, maybe one or two refilled while the burst is under way on a busy machine.
      expect(admitted).toBeGreaterThanOrEqual(5);
      expect(admitted).toBeLessThanOrEqual(7);
      expect(refused.map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual(refused.map(() => ['ThrottlingException', 429]));
    });
  });
});
