import { emulatorEndpoints, parseIvsEmulatorOptions } from './ivs-emulator.options';

const base = { dataDir: '/tmp/x', region: 'eu-west-1', accountId: '123456789012' };

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
});
