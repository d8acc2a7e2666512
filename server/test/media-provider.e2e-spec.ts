import { IvsEmulatorService } from '@streamcat/ivs-emulator';
import { IvsMediaProvider } from '../src/media/ivs-media.provider';
import { MediaProvider } from '../src/media/media-provider';
import { uniqueName } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/** Every MediaProvider operation through the real AWS SDK clients against the emulator. */
describe('IvsMediaProvider against the embedded emulator', () => {
  const t = useTestApp();
  let media: MediaProvider;
  let emulator: IvsEmulatorService;
  beforeAll(() => {
    media = t.app.get(MediaProvider);
    emulator = t.app.get(IvsEmulatorService);
  });

  it('creates a LOW-latency channel with a key, reports it offline, live, then stops it', async () => {
    const channel = await media.createChannel({ name: uniqueName('ch'), tags: { app: 'streamcat' } });
    expect(channel.arn).toMatch(/:channel\//);
    expect(channel.streamKey.value).toMatch(/^sk_us-east-1_/);
    expect(await media.getStream(channel.arn)).toBeNull();
    expect(await media.stopStream(channel.arn)).toBe(false);

    const started = await emulator.startStream(channel.arn);
    const live = await media.getStream(channel.arn);
    expect(live).toMatchObject({ streamId: started.streamId, health: expect.any(String) });
    expect(live!.startTime).toBeInstanceOf(Date);

    expect(await media.stopStream(channel.arn)).toBe(true);
    expect(await media.getStream(channel.arn)).toBeNull();
  });

  it('rotates the stream key: exactly one key, and the old one no longer finds the channel', async () => {
    const channel = await media.createChannel({ name: uniqueName('rot') });
    const next = await media.rotateStreamKey(channel.arn);
    expect(next.value).not.toBe(channel.streamKey.value);
    expect(await emulator.findChannelByStreamKey(channel.streamKey.value)).toBeNull();
    expect((await emulator.findChannelByStreamKey(next.value))?.channelArn).toBe(channel.arn);
  });

  it('mints participant tokens and disconnecting one kills it', async () => {
    const stage = await media.createStage({ name: uniqueName('st') });
    const tok = await media.createParticipantToken({ stageArn: stage.arn, userId: 'u-1', capabilities: ['SUBSCRIBE'], durationMinutes: 5 });
    expect(tok.capabilities).toEqual(['SUBSCRIBE']);
    expect(tok.expiresAt.getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
    const ok = await emulator.verifyParticipantToken(tok.token);
    expect(ok).toMatchObject({ ok: true, canPublish: false, canSubscribe: true });

    await media.disconnectParticipant({ stageArn: stage.arn, participantId: tok.participantId, reason: 'removed by host' });
    expect(await emulator.verifyParticipantToken(tok.token)).toMatchObject({ ok: false, code: 'TOKEN_DISCONNECTED' });
  });

  it('deletes are idempotent: deleting what is gone is not an error', async () => {
    const channel = await media.createChannel({ name: uniqueName('del') });
    const stage = await media.createStage({ name: uniqueName('del') });
    await media.deleteChannel(channel.arn);
    await media.deleteStage(stage.arn);
    await expect(media.deleteChannel(channel.arn)).resolves.toBeUndefined();
    await expect(media.deleteStage(stage.arn)).resolves.toBeUndefined();
    await expect(media.getStream(channel.arn)).rejects.toMatchObject({ code: 'media/provider-rejected', status: 502 });
  });

  it('maps provider refusals to 502 and an unreachable provider to 503, never a stack trace', async () => {
    await expect(media.createChannel({ name: 'not a valid name!' })).rejects.toMatchObject({
      code: 'media/provider-rejected',
      status: 502,
    });
    await expect(
      media.createParticipantToken({
        stageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/doesnotexist',
        userId: 'x',
        capabilities: ['PUBLISH'],
      }),
    ).rejects.toMatchObject({ code: 'media/provider-rejected' });

    const nowhere = new IvsMediaProvider({
      region: 'us-east-1',
      channelType: 'STANDARD',
      emulator: { url: () => 'http://127.0.0.1:1/_ivs', credentials: t.config.ivsEmulatorCredentials! },
    });
    await expect(nowhere.createStage({ name: 'x' })).rejects.toMatchObject({ code: 'media/provider-unavailable', status: 503 });
    await expect(nowhere.ping()).rejects.toMatchObject({ code: 'media/provider-unavailable' });
    expect(await media.ping()).toBeUndefined();
  });
});
