import {
  ConflictException,
  CreateStageCommand,
  CreateStorageConfigurationCommand,
  DeleteStorageConfigurationCommand,
  GetStageCommand,
  GetStorageConfigurationCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-ivs-realtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { ACCOUNT_ID, EmulatorApp, REGION, sdkError, startEmulatorApp } from './support/emulator-app';

/**
 * Individual participant recording's control plane through @aws-sdk/client-ivs-realtime: a stage's
 * autoParticipantRecordingConfiguration on CreateStage / UpdateStage / GetStage, checked as IVS
 * checks it, and the storage configuration it names held against deletion.
 */
describe('IVS emulator: autoParticipantRecordingConfiguration', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;
  let storageArn: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-participant-rec-'));
    env = await startEmulatorApp(db.url, dataDir);
    const out = await env.realtime.send(new CreateStorageConfigurationCommand({ name: 'members', s3: { bucketName: 'my-recordings' } }));
    storageArn = out.storageConfiguration!.arn!;
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a stage made with recording on reads it back with IVS defaults; without, recording is off', async () => {
    const on = await env.realtime.send(
      new CreateStageCommand({ name: 'rec', autoParticipantRecordingConfiguration: { storageConfigurationArn: storageArn } }),
    );
    const got = await env.realtime.send(new GetStageCommand({ arn: on.stage!.arn! }));
    expect(got.stage!.autoParticipantRecordingConfiguration).toEqual({
      storageConfigurationArn: storageArn,
      mediaTypes: ['AUDIO_VIDEO'],
      thumbnailConfiguration: { targetIntervalSeconds: 60, storage: ['SEQUENTIAL'], recordingMode: 'DISABLED' },
      recordingReconnectWindowSeconds: 0,
      hlsConfiguration: { targetSegmentDurationSeconds: 6 },
      recordParticipantReplicas: true,
    });
    const off = await env.realtime.send(new CreateStageCommand({ name: 'plain' }));
    expect(off.stage!.autoParticipantRecordingConfiguration!.storageConfigurationArn).toBe('');
  });

  it('refuses what IVS refuses: unknown, other-region or other-account storage, out-of-range fields', async () => {
    const missing = storageArn.replace(/\/[^/]+$/, '/NoSuchConfig1');
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['missing storage', { storageConfigurationArn: missing }, 'ValidationException', /does not exist/],
      ['another region', { storageConfigurationArn: storageArn.replace(REGION, 'eu-west-1') }, 'ValidationException', /region/],
      [
        'another account',
        { storageConfigurationArn: storageArn.replace(ACCOUNT_ID, '210987654321') },
        'AccessDeniedException',
        /not allowed/,
      ],
      [
        'not a storage ARN',
        { storageConfigurationArn: 'arn:aws:ivs:us-east-1:123456789012:stage/abc' },
        'ValidationException',
        /storage-configuration ARN/,
      ],
      [
        'two media types',
        { storageConfigurationArn: storageArn, mediaTypes: ['AUDIO_VIDEO', 'AUDIO_ONLY'] },
        'ValidationException',
        /at most 1/,
      ],
      [
        'reconnect window 301 s',
        { storageConfigurationArn: storageArn, recordingReconnectWindowSeconds: 301 },
        'ValidationException',
        /at most 300/,
      ],
      [
        '1 s segments',
        { storageConfigurationArn: storageArn, hlsConfiguration: { targetSegmentDurationSeconds: 1 } },
        'ValidationException',
        /at least 2/,
      ],
    ];
    for (const [what, config, name, message] of cases) {
      const err = await sdkError(() =>
        env.realtime.send(new CreateStageCommand({ autoParticipantRecordingConfiguration: config as never })),
      );
      expect({ what, name: err.name }).toEqual({ what, name });
      expect(err.message).toMatch(message);
    }
  });

  it('UpdateStage turns recording on and off ("" resets every field); the storage cannot be deleted while a stage names it', async () => {
    const stage = (await env.realtime.send(new CreateStageCommand({ name: 'later' }))).stage!;
    const on = await env.realtime.send(
      new UpdateStageCommand({
        arn: stage.arn!,
        autoParticipantRecordingConfiguration: {
          storageConfigurationArn: storageArn,
          mediaTypes: ['AUDIO_ONLY'],
          recordingReconnectWindowSeconds: 30,
        },
      }),
    );
    expect(on.stage!.autoParticipantRecordingConfiguration).toMatchObject({
      mediaTypes: ['AUDIO_ONLY'],
      recordingReconnectWindowSeconds: 30,
    });
    expect(on.stage!.name).toBe('later');

    const second = (await env.realtime.send(new CreateStorageConfigurationCommand({ s3: { bucketName: 'other-bucket' } })))
      .storageConfiguration!;
    await env.realtime.send(
      new UpdateStageCommand({ arn: stage.arn!, autoParticipantRecordingConfiguration: { storageConfigurationArn: second.arn! } }),
    );
    const refused = await sdkError(() => env.realtime.send(new DeleteStorageConfigurationCommand({ arn: second.arn! })));
    expect(refused).toBeInstanceOf(ConflictException);

    const off = await env.realtime.send(
      new UpdateStageCommand({ arn: stage.arn!, name: 'renamed', autoParticipantRecordingConfiguration: { storageConfigurationArn: '' } }),
    );
    expect(off.stage!.autoParticipantRecordingConfiguration).toMatchObject({
      storageConfigurationArn: '',
      mediaTypes: ['AUDIO_VIDEO'],
      recordingReconnectWindowSeconds: 0,
    });
    expect(off.stage!.name).toBe('renamed');
    await env.realtime.send(new DeleteStorageConfigurationCommand({ arn: second.arn! }));
    const gone = await sdkError(() => env.realtime.send(new GetStorageConfigurationCommand({ arn: second.arn! })));
    expect(gone.name).toBe('ResourceNotFoundException');
    const noStage = await sdkError(() =>
      env.realtime.send(new UpdateStageCommand({ arn: stage.arn!.replace(/\/[^/]+$/, '/NoSuchStage1'), name: 'x' })),
    );
    expect(noStage.name).toBe('ResourceNotFoundException');
  });
});
