import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has working local defaults and keeps generated secrets across starts', () => {
    const a = loadConfig({ DATA_DIR: dir });
    expect(a).toMatchObject({ port: 3000, mediaProvider: 'local', publicUrl: 'http://localhost:3000', awsRegion: 'us-east-1' });
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.ivsEventsApiKey).not.toBe(a.jwtSecret);
    const b = loadConfig({ DATA_DIR: dir });
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(b.ivsEventsApiKey).toBe(a.ivsEventsApiKey);
    expect(readFileSync(join(dir, 'secrets', 'jwt-secret'), 'utf8')).toBe(a.jwtSecret);
  });

  it('gives the local ingest a reconnect grace: 40 s by default (a 30 s drop and the reconnect), 0 to end with the connection, no more than IVS allows', () => {
    expect(loadConfig({ DATA_DIR: dir }).ingestReconnectGraceSeconds).toBe(40);
    expect(loadConfig({ DATA_DIR: dir, INGEST_RECONNECT_GRACE_SECONDS: '0' }).ingestReconnectGraceSeconds).toBe(0);
    expect(() => loadConfig({ DATA_DIR: dir, INGEST_RECONNECT_GRACE_SECONDS: '301' })).toThrow(/INGEST_RECONNECT_GRACE_SECONDS/);
  });

  it('names every bad variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        DATA_DIR: dir,
        PORT: 'eighty',
        MEDIA_PROVIDER: 'azure',
        DATABASE_URL: 'mysql://x',
        JWT_SECRET: 'short',
        AWS_REGION: 'moon',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = error!.problems.map((p) => p.split('=')[0]);
    expect(names.sort()).toEqual(['AWS_REGION', 'DATABASE_URL', 'JWT_SECRET', 'MEDIA_PROVIDER', 'PORT']);
    expect(error!.message).toContain('PORT="eighty"');
  });

  it('lists bad values and the aws-mode requirements together', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        DATA_DIR: dir,
        MEDIA_PROVIDER: 'aws',
        PORT: 'eighty',
        TRUST_PROXY: 'nginx',
        RATE_LIMITS: 'signup=1/1h',
        IVS_EMULATOR_ACCESS_KEY_ID: 'short',
        IVS_EMULATOR_LIMITS: 'stages=lots',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    const names = error!.problems.map((p) => p.split(/[=:]/)[0]);
    expect(names.sort()).toEqual([
      'DATABASE_URL',
      'IVS_EMULATOR_ACCESS_KEY_ID',
      'IVS_EMULATOR_ACCESS_KEY_ID and IVS_EMULATOR_SECRET_ACCESS_KEY',
      'IVS_EMULATOR_LIMITS',
      'IVS_EVENTS_API_KEY',
      'JWT_SECRET',
      'MULTISTREAM_KEY',
      'PORT',
      'PUBLIC_URL',
      'RATE_LIMITS',
      'RECORDINGS_BASE_URL',
      'TRUST_PROXY',
    ]);
  });

  it('trusts no proxy unless TRUST_PROXY names one, and applies RATE_LIMITS overrides', () => {
    expect(loadConfig({ DATA_DIR: dir }).trustProxy).toBe(false);
    const c = loadConfig({ DATA_DIR: dir, TRUST_PROXY: '10.0.0.0/8', RATE_LIMITS: 'signup-per-address=100/1h' });
    expect(c.trustProxy).toEqual(['10.0.0.0/8']);
    expect(c.rateLimits['signup-per-address']).toMatchObject({ points: 100, windowSeconds: 3600 });
  });

  it('passes IVS_EMULATOR_LIMITS to the emulator, naming a bad entry and the known ones', () => {
    expect(loadConfig({ DATA_DIR: dir }).ivsEmulatorLimits).toBe('');
    expect(loadConfig({ DATA_DIR: dir, IVS_EMULATOR_LIMITS: 'stages=3,CreateParticipantToken=10/s' }).ivsEmulatorLimits).toBe(
      'stages=3,CreateParticipantToken=10/s',
    );
    expect(() => loadConfig({ DATA_DIR: dir, IVS_EMULATOR_LIMITS: 'stagez=3' })).toThrow(
      /IVS_EMULATOR_LIMITS: "stagez" is neither a quota \(stages,/,
    );
  });

  it('requires real secrets, a database and URLs in aws mode', () => {
    expect(() => loadConfig({ DATA_DIR: dir, MEDIA_PROVIDER: 'aws' })).toThrow(
      /JWT_SECRET[\s\S]*IVS_EVENTS_API_KEY[\s\S]*DATABASE_URL[\s\S]*PUBLIC_URL[\s\S]*RECORDINGS_BASE_URL[\s\S]*MULTISTREAM_KEY/,
    );
  });

  it('gives the local emulator its own access key: generated once, or both variables, never echoing the secret', () => {
    const a = loadConfig({ DATA_DIR: dir }).ivsEmulatorCredentials!;
    expect(a.accessKeyId).toMatch(/^AKIA[0-9A-F]{16}$/);
    expect(a.secretAccessKey.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dir }).ivsEmulatorCredentials).toEqual(a);
    expect(readFileSync(join(dir, 'secrets', 'ivs-emulator-secret-access-key'), 'utf8')).toBe(a.secretAccessKey);
    const given = { IVS_EMULATOR_ACCESS_KEY_ID: 'AKIAGIVENBYTHEENV000', IVS_EMULATOR_SECRET_ACCESS_KEY: 's3cret-from-the-environment' };
    expect(loadConfig({ DATA_DIR: dir, ...given }).ivsEmulatorCredentials).toEqual({
      accessKeyId: given.IVS_EMULATOR_ACCESS_KEY_ID,
      secretAccessKey: given.IVS_EMULATOR_SECRET_ACCESS_KEY,
    });
    expect(() => loadConfig({ DATA_DIR: dir, IVS_EMULATOR_ACCESS_KEY_ID: given.IVS_EMULATOR_ACCESS_KEY_ID })).toThrow(
      /set both or neither/,
    );
    const bad = () => loadConfig({ DATA_DIR: dir, ...given, IVS_EMULATOR_SECRET_ACCESS_KEY: 'short secret' });
    expect(bad).toThrow(/IVS_EMULATOR_SECRET_ACCESS_KEY/);
    expect(bad).not.toThrow(/short secret/);
  });

  it('with IVS_EMULATOR_URL: calls that emulator and needs the secrets every replica shares with it, named', () => {
    expect(() => loadConfig({ DATA_DIR: dir, IVS_EMULATOR_URL: 'http://emulator:4000' })).toThrow(
      /IVS_EMULATOR_ACCESS_KEY_ID: required with IVS_EMULATOR_URL[\s\S]*IVS_EMULATOR_SECRET_ACCESS_KEY[\s\S]*IVS_EVENTS_API_KEY[\s\S]*MULTISTREAM_KEY/,
    );
    const shared = {
      MULTISTREAM_KEY: Buffer.alloc(32, 1).toString('base64'),
      IVS_EMULATOR_ACCESS_KEY_ID: 'AKIAGIVENBYTHEENV000',
      IVS_EMULATOR_SECRET_ACCESS_KEY: 's3cret-from-the-environment',
      IVS_EVENTS_API_KEY: 'events-key-from-the-env',
    };
    const c = loadConfig({
      DATA_DIR: dir,
      ...shared,
      IVS_EMULATOR_URL: 'http://emulator:4000/',
      IVS_EMULATOR_PUBLIC_URL: 'https://media.example/',
    });
    expect(c.ivsEmulator).toEqual({ url: 'http://emulator:4000', publicUrl: 'https://media.example' });
    expect(c.recordingsBaseUrl).toBe('https://media.example/_ivs/recordings');
    expect(loadConfig({ DATA_DIR: dir, ...shared, IVS_EMULATOR_URL: 'http://emulator:4000' }).ivsEmulator?.publicUrl).toBe(
      'http://emulator:4000',
    );
    expect(loadConfig({ DATA_DIR: dir }).ivsEmulator).toBeUndefined();
  });

  it('refuses to start with MODERATOR_USERNAMES set, pointing at the CLI (an empty value is fine)', () => {
    expect(() => loadConfig({ DATA_DIR: dir, MODERATOR_USERNAMES: 'alice' })).toThrow(
      /MODERATOR_USERNAMES="alice": no longer grants roles .*npm run cli -- role <username> moderator/,
    );
    expect(() => loadConfig({ DATA_DIR: dir, MODERATOR_USERNAMES: ' ' })).not.toThrow();
  });
});
