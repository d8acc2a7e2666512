import { ListStreamKeysCommand } from '@aws-sdk/client-ivs';
import { IvsEmulatorService } from '@streamcat/ivs-emulator';
import { IvsMediaProvider } from '../src/media/ivs-media.provider';
import { useMediaContract } from './support/ivs-clients';

/**
 * The MediaProvider contract: every operation through the real AWS SDK clients. `npm test` runs
 * it against the embedded emulator; `npm run test:aws` runs the same file against Amazon IVS
 * (docs/aws.md), so a difference between the two is one command away. What only the emulator
 * can show (its URLs, a stream made live without an encoder, token checks) is in the last block.
 */
const contract = useMediaContract();
const against = contract.target.kind === 'aws' ? `Amazon IVS in ${contract.target.region}` : 'the embedded emulator';
const onEmulator = contract.target.kind === 'emulator' ? describe : describe.skip;

describe(`MediaProvider contract against ${against}`, () => {
  it('creates a LOW-latency channel with its stream key, offline until an encoder connects', async () => {
    const { media } = contract;
    const channel = contract.created(await media.createChannel({ name: contract.name('ch'), tags: contract.tags }));
    expect(channel.arn).toMatch(/^arn:aws:ivs:[a-z0-9-]+:\d{12}:channel\/[A-Za-z0-9]+$/);
    expect(channel.ingestEndpoint).not.toBe('');
    expect(channel.playbackUrl).toMatch(/^https?:\/\/.+\.m3u8$/);
    expect(channel.streamKey.arn).toMatch(/:stream-key\/[A-Za-z0-9]+$/);
    expect(channel.streamKey.value).toMatch(new RegExp(`^sk_${contract.region}_[A-Za-z0-9]+$`));
    expect(await media.getStream(channel.arn)).toBeNull();
    expect(await media.stopStream(channel.arn)).toBe(false);
  });

  it('rotates the stream key: the channel keeps exactly one key, the new one', async () => {
    const { media } = contract;
    const channel = contract.created(await media.createChannel({ name: contract.name('rot'), tags: contract.tags }));
    const next = await media.rotateStreamKey(channel.arn);
    expect(next.value).not.toBe(channel.streamKey.value);
    expect(next.arn).not.toBe(channel.streamKey.arn);
    const listed = await contract.clients.channels.send(new ListStreamKeysCommand({ channelArn: channel.arn }));
    expect(listed.streamKeys!.map((k) => k.arn)).toEqual([next.arn]);
  });

  it('creates a stage, mints a subscribe-only token for it, and disconnects that participant', async () => {
    const { media } = contract;
    const stage = contract.created(await media.createStage({ name: contract.name('st'), tags: contract.tags }));
    expect(stage.arn).toMatch(/^arn:aws:ivs:[a-z0-9-]+:\d{12}:stage\/[A-Za-z0-9]+$/);
    expect(await media.stageActivity(stage.arn)).toEqual({ exists: true, activeSessionId: null });

    const token = await media.createParticipantToken({
      stageArn: stage.arn,
      userId: 'contract-viewer',
      capabilities: ['SUBSCRIBE'],
      durationMinutes: 5,
      attributes: { role: 'viewer' },
    });
    expect(token.participantId).not.toBe('');
    expect(token.token).not.toBe('');
    expect(token.capabilities).toEqual(['SUBSCRIBE']);
    expect(Math.abs(token.expiresAt.getTime() - (Date.now() + 5 * 60_000))).toBeLessThan(60_000);
    const other = await media.createParticipantToken({ stageArn: stage.arn, userId: 'contract-viewer', capabilities: ['SUBSCRIBE'] });
    expect(other.participantId).not.toBe(token.participantId);

    await expect(
      media.disconnectParticipant({ stageArn: stage.arn, participantId: token.participantId, reason: 'contract test' }),
    ).resolves.toBeUndefined();
  });

  it('deletes idempotently: deleting what is gone is not an error, and it is gone', async () => {
    const { media } = contract;
    const channel = contract.created(await media.createChannel({ name: contract.name('del'), tags: contract.tags }));
    const stage = contract.created(await media.createStage({ name: contract.name('del'), tags: contract.tags }));
    await media.deleteChannel(channel.arn);
    await media.deleteStage(stage.arn);
    await expect(media.deleteChannel(channel.arn)).resolves.toBeUndefined();
    await expect(media.deleteStage(stage.arn)).resolves.toBeUndefined();
    expect(await media.stageActivity(stage.arn)).toEqual({ exists: false, activeSessionId: null });
    await expect(media.getStream(channel.arn)).rejects.toMatchObject({ code: 'media/provider-rejected', status: 502 });
  });

  it('turns refusals into the same error codes: an invalid name, a stage that does not exist', async () => {
    const { media } = contract;
    await expect(media.createChannel({ name: 'not a valid name!', tags: contract.tags })).rejects.toMatchObject({
      code: 'media/provider-rejected',
      status: 502,
    });
    // A stage id of this account that was never made (on AWS an ARN of another account is AccessDenied).
    const stage = contract.created(await media.createStage({ name: contract.name('ref'), tags: contract.tags }));
    const missing = stage.arn.replace(/stage\/[A-Za-z0-9]+$/, 'stage/doesnotexist');
    await expect(media.createParticipantToken({ stageArn: missing, userId: 'x', capabilities: ['PUBLISH'] })).rejects.toMatchObject({
      code: 'media/provider-rejected',
    });
  });

  it('answers the health probe', async () => {
    await expect(contract.media.ping()).resolves.toBeUndefined();
  });
});

onEmulator('MediaProvider on the embedded emulator: what only the emulator can show', () => {
  const emulator = () => contract.local!.app.get(IvsEmulatorService);

  it('hands out the local ingest and playback addresses', async () => {
    const channel = contract.created(await contract.media.createChannel({ name: contract.name('local'), tags: contract.tags }));
    const id = channel.arn.split('/')[1];
    const { publicUrl } = contract.local!.config;
    expect(channel.ingestEndpoint).toBe(new URL(publicUrl).hostname);
    expect(channel.playbackUrl).toBe(`${publicUrl}/_ivs/hls/${id}/live.m3u8`);
  });

  it('reports a live stream with its start time and health, and stops it', async () => {
    const { media } = contract;
    const channel = contract.created(await media.createChannel({ name: contract.name('live'), tags: contract.tags }));
    const started = await emulator().startStream(channel.arn);
    const live = await media.getStream(channel.arn);
    expect(live).toMatchObject({ streamId: started.streamId, health: 'HEALTHY', viewerCount: 0 });
    expect(live!.startTime).toBeInstanceOf(Date);
    expect(await media.stopStream(channel.arn)).toBe(true);
    expect(await media.getStream(channel.arn)).toBeNull();
  });

  it('a rotated-out key no longer finds the channel; a disconnected token no longer verifies', async () => {
    const { media } = contract;
    const channel = contract.created(await media.createChannel({ name: contract.name('keys'), tags: contract.tags }));
    const next = await media.rotateStreamKey(channel.arn);
    expect(await emulator().findChannelByStreamKey(channel.streamKey.value)).toBeNull();
    expect((await emulator().findChannelByStreamKey(next.value))?.channelArn).toBe(channel.arn);

    const stage = contract.created(await media.createStage({ name: contract.name('tok'), tags: contract.tags }));
    const tok = await media.createParticipantToken({ stageArn: stage.arn, userId: 'u-1', capabilities: ['SUBSCRIBE'], durationMinutes: 5 });
    expect(await emulator().verifyParticipantToken(tok.token)).toMatchObject({ ok: true, canPublish: false, canSubscribe: true });
    await media.disconnectParticipant({ stageArn: stage.arn, participantId: tok.participantId, reason: 'removed by host' });
    expect(await emulator().verifyParticipantToken(tok.token)).toMatchObject({ ok: false, code: 'TOKEN_DISCONNECTED' });
  });

  it('maps an unreachable IVS to 503, never a stack trace', async () => {
    const nowhere = new IvsMediaProvider({
      region: 'us-east-1',
      channelType: 'STANDARD',
      emulator: { url: () => 'http://127.0.0.1:1/_ivs', credentials: contract.local!.config.ivsEmulatorCredentials! },
    });
    await expect(nowhere.createStage({ name: 'x' })).rejects.toMatchObject({ code: 'media/provider-unavailable', status: 503 });
    await expect(nowhere.ping()).rejects.toMatchObject({ code: 'media/provider-unavailable' });
  });
});
