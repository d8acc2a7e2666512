import { ListChannelsCommand } from '@aws-sdk/client-ivs';
import { ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import { rawIvsRequest } from '../../libs/ivs-emulator/test/support/signed-request';
import { ivsClients } from './support/ivs-clients';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * The server as `npm start` runs it: its embedded emulator takes only requests signed with the
 * key in DATA_DIR/secrets, and the server's own SDK clients sign with it (sign-up still works).
 */
describe('the server’s embedded IVS emulator is closed to unsigned callers', () => {
  const t = useTestApp();

  it('refuses outsiders what the issue showed open (listing channels, keys, minting tokens) and serves its own key holder', async () => {
    const user = await register(t.url);
    // The studio's stage is made on first need: the owner's token.
    expect((await call(t.url, 'POST', `/api/stages/${user.user.username}/token`, undefined, user.accessToken)).status).toBe(200);
    const { channels } = await ivsClients(t).channels.send(new ListChannelsCommand({}));
    const { stages } = await ivsClients(t).realtime.send(new ListStagesCommand({}));
    expect(channels?.length).toBeGreaterThanOrEqual(1);
    const stageArn = stages![0]!.arn!;

    for (const [path, body] of [
      ['/_ivs/channels/ListChannels', ''],
      ['/_ivs/channels/ListStreamKeys', JSON.stringify({ channelArn: channels![0]!.arn })],
      ['/_ivs/realtime/CreateParticipantToken', JSON.stringify({ stageArn, capabilities: ['PUBLISH'], duration: 20160 })],
    ] as const) {
      const res = await rawIvsRequest(t.url, path, body);
      expect([path, res.status, res.errorType, res.body?.message]).toEqual([
        path,
        403,
        'MissingAuthenticationTokenException',
        'Missing Authentication Token',
      ]);
    }
    const guessed = await rawIvsRequest(t.url, '/_ivs/channels/ListChannels', '{}', {
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect([guessed.status, guessed.errorType]).toEqual([403, 'UnrecognizedClientException']);

    const owned = await rawIvsRequest(t.url, '/_ivs/channels/ListChannels', '{}', {
      credentials: t.config.ivsEmulatorCredentials,
      region: t.config.awsRegion,
    });
    expect(owned.status).toBe(200);
    expect(owned.body.channels.map((c: { name: string }) => c.name)).toContain(user.user.username);
  });
});
