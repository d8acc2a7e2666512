import { emulatorEndpoints, parseIvsEmulatorOptions } from './ivs-emulator.options';

const credentials = { accessKeyId: 'AKIAEMULATOR0000SPEC', secretAccessKey: 'a-secret-of-enough-length' };
const base = { dataDir: '/tmp/x', region: 'eu-west-1', accountId: '123456789012', credentials };

describe('emulator endpoints derived from publicUrl', () => {
  it('uses ws for http and keeps the port where browsers need it', () => {
    const e = emulatorEndpoints(parseIvsEmulatorOptions({ ...base, publicUrl: 'http://localhost:3000/' }));
    expect(e.ingestEndpoint).toBe('localhost');
    expect(e.playbackUrl('abc')).toBe('http://localhost:3000/_ivs/hls/abc/live.m3u8');
    expect(e.stage.events).toBe('ws://localhost:3000/_ivs/stage/events');
    expect(e.stage.rtmp).toBe('rtmp://localhost:1935/stage/');
  });

  it('uses wss behind https', () => {
    const e = emulatorEndpoints(parseIvsEmulatorOptions({ ...base, publicUrl: 'https://studio.example.org' }));
    expect(e.stage.events).toBe('wss://studio.example.org/_ivs/stage/events');
    expect(e.stage.whip).toBe('https://studio.example.org/_ivs/stage/whip');
  });

  it('refuses bad options at boot, naming each one', () => {
    expect(() => parseIvsEmulatorOptions({ ...base, accountId: '12', publicUrl: 'ftp://x' })).toThrow(
      /accountId.*publicUrl|publicUrl.*accountId/,
    );
  });

  it('refuses bad limit overrides at boot together with the other bad options', () => {
    expect(() =>
      parseIvsEmulatorOptions({ ...base, publicUrl: 'http://x', accountId: '1', limits: 'stages=many,CreateStage=5/s' }),
    ).toThrow(/accountId: must be 12 digits; limits: "stages=many": stages is a quota/);
    expect(parseIvsEmulatorOptions({ ...base, publicUrl: 'http://x', limits: 'stages=3' }).limits).toBe('stages=3');
  });

  it('requires an access key pair shaped like AWS keys, without echoing the secret', () => {
    expect(() =>
      parseIvsEmulatorOptions({ ...base, publicUrl: 'http://x', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    ).toThrow(/credentials\.accessKeyId.*credentials\.secretAccessKey/);
    const leaked = () =>
      parseIvsEmulatorOptions({
        ...base,
        publicUrl: 'http://x',
        credentials: { ...credentials, secretAccessKey: 'has space but long enough' },
      });
    expect(leaked).toThrow(/secretAccessKey/);
    expect(leaked).not.toThrow(/has space/);
  });
});
