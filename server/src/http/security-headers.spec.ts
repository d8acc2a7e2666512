import { contentSecurityPolicy } from './security-headers';

describe('contentSecurityPolicy', () => {
  const local = {
    publicUrl: 'http://localhost:3000',
    recordingsBaseUrl: 'http://localhost:3000/_ivs/recordings',
    mediaProvider: 'local' as const,
  };
  const aws = { publicUrl: 'https://studio.example', recordingsBaseUrl: 'https://cdn.example/recordings', mediaProvider: 'aws' as const };

  it('local mode: this origin only, its websockets, blob: media and workers; no IVS hosts, no WebAssembly', () => {
    const csp = contentSecurityPolicy(local, 'app');
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'", 'http://localhost:3000', 'ws://localhost:3000']);
    expect(csp['media-src']).toEqual(["'self'", 'blob:', 'http://localhost:3000']);
    expect(csp['worker-src']).toEqual(["'self'", 'blob:']);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp).not.toHaveProperty('upgrade-insecure-requests');
    expect(JSON.stringify(csp)).not.toMatch(/live-video|unsafe/);
  });

  it('with a standalone emulator: its origin and websockets too (HLS, stage and ingest are served there)', () => {
    const csp = contentSecurityPolicy(
      {
        ...local,
        recordingsBaseUrl: 'http://localhost:4000/_ivs/recordings',
        ivsEmulator: { url: 'http://emulator:4000', publicUrl: 'http://localhost:4000' },
      },
      'app',
    );
    expect(csp['connect-src']).toEqual([
      "'self'",
      'http://localhost:3000',
      'http://localhost:4000',
      'ws://localhost:3000',
      'ws://localhost:4000',
    ]);
    expect(csp['media-src']).toEqual(["'self'", 'blob:', 'http://localhost:3000', 'http://localhost:4000']);
  });

  it('on AWS: the recordings origin, the IVS hosts (any port: ingest uses 4443), WebAssembly for the IVS player, https only', () => {
    const csp = contentSecurityPolicy(aws, 'app');
    expect(csp['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp['connect-src']).toEqual([
      "'self'",
      'https://studio.example',
      'https://cdn.example',
      'wss://studio.example',
      'https://*.live-video.net:*',
      'wss://*.live-video.net:*',
    ]);
    expect(csp['media-src']).toEqual(["'self'", 'blob:', 'https://studio.example', 'https://cdn.example', 'https://*.live-video.net:*']);
    expect(csp['img-src']).toEqual(["'self'", 'https:']);
    expect(csp['upgrade-insecure-requests']).toEqual([]);
  });

  it('gives Swagger UI inline styles and data: images, never inline scripts', () => {
    const csp = contentSecurityPolicy(local, 'docs');
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['img-src']).toEqual(["'self'", 'data:']);
    expect(csp['script-src']).toEqual(["'self'"]);
  });
});
