import { CreateChannelCommand, GetChannelCommand, GetStreamKeyCommand } from '@aws-sdk/client-ivs';
import {
  CreateParticipantTokenCommand,
  CreateStageCommand,
  DisconnectParticipantCommand,
  GetStageCommand,
} from '@aws-sdk/client-ivs-realtime';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARTICIPANT_TOKEN_KEY_FILE } from '@streamcat/ivs-emulator';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { EmulatorApp, startEmulatorApp } from './support/emulator-app';

describe('IVS emulator: state survives a restart (same database and data dir)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let first: EmulatorApp | undefined;
  let second: EmulatorApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-durable-'));
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps channels, stream keys, stages, tokens, revocations and the signing key', async () => {
    first = await startEmulatorApp(db.url, dataDir);
    const { channel, streamKey } = await first.ivs.send(new CreateChannelCommand({ name: 'durable' }));
    const { stage } = await first.realtime.send(new CreateStageCommand({ name: 'durable-stage' }));
    const kept = (await first.realtime.send(new CreateParticipantTokenCommand({ stageArn: stage!.arn, userId: 'kept' }))).participantToken!;
    const kicked = (await first.realtime.send(new CreateParticipantTokenCommand({ stageArn: stage!.arn, userId: 'kicked' })))
      .participantToken!;
    await first.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: kicked.participantId }));
    const keyPem = readFileSync(join(dataDir, PARTICIPANT_TOKEN_KEY_FILE), 'utf8');
    await first.close();
    first = undefined;

    // A fresh process: migrations run again (no-op), the key file is reused, not regenerated.
    second = await startEmulatorApp(db.url, dataDir);
    expect(readFileSync(join(dataDir, PARTICIPANT_TOKEN_KEY_FILE), 'utf8')).toBe(keyPem);
    expect((await second.ivs.send(new GetChannelCommand({ arn: channel!.arn }))).channel).toEqual(channel);
    expect((await second.ivs.send(new GetStreamKeyCommand({ arn: streamKey!.arn }))).streamKey!.value).toBe(streamKey!.value);
    expect((await second.realtime.send(new GetStageCommand({ arn: stage!.arn }))).stage).toEqual(stage);
    expect(await second.emulator.verifyParticipantToken(kept.token!)).toMatchObject({ ok: true, userId: 'kept' });
    expect(await second.emulator.verifyParticipantToken(kicked.token!)).toMatchObject({ ok: false, code: 'TOKEN_DISCONNECTED' });
    expect(await second.emulator.findChannelByStreamKey(streamKey!.value!)).toMatchObject({ channelArn: channel!.arn });
  });
});
