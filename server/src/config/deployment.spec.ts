import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { emulatorEnvSchema } from '../emulator/emulator.config';
import { envSchema } from './config.schema';

// No Docker engine runs here, so the compose file is checked for what would break it:
// the services and the variables it passes must match what the server reads.
const root = join(__dirname, '../../..');

describe('docker-compose.yml (deployment shape)', () => {
  // `merge`: the file shares the replicas' and the emulator's keys with `<<: *anchor`.
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });

  it('has PostgreSQL, Redis, the IVS emulator service, two server replicas and a proxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['ivs-emulator', 'postgres', 'proxy', 'redis', 'server-1', 'server-2']);
    expect(compose.services['server-1'].environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    expect(compose.services['server-2'].environment.DATABASE_URL).toMatch(/@postgres:5432\//);
  });

  it('passes only variables the server (or the AWS SDK) reads', () => {
    const known = new Set([...Object.keys(envSchema.shape), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const unknown = Object.keys(compose.services['server-1'].environment).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it('points both replicas at the one emulator, and the emulator’s events at both replicas, sharing the keys', () => {
    const emulator = compose.services['ivs-emulator'];
    expect(emulator.command).toEqual(['node', 'dist/server/src/emulator/emulator.main.js']);
    const unknown = Object.keys(emulator.environment).filter((k) => !(k in emulatorEnvSchema.shape));
    expect(unknown).toEqual([]);
    for (const name of ['server-1', 'server-2']) {
      const env = compose.services[name].environment;
      expect(env.IVS_EMULATOR_URL).toBe(`http://ivs-emulator:${emulator.environment.PORT}`);
      for (const key of ['IVS_EVENTS_API_KEY', 'IVS_EMULATOR_ACCESS_KEY_ID', 'IVS_EMULATOR_SECRET_ACCESS_KEY'])
        expect(env[key]).toBe(emulator.environment[key]);
      expect(emulator.environment.IVS_EVENTS_URL.split(',')).toContain(`http://${name}:${env.PORT}/api/ivs/events`);
    }
  });

  it('proxies websockets to both replicas, and /_ivs/ to the emulator', () => {
    const nginx = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/server server-1:3000/);
    expect(nginx).toMatch(/server server-2:3000/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade/);
    expect(nginx).toMatch(/server ivs-emulator:4000/);
    expect(nginx).toMatch(/location \/_ivs\/ \{\s*proxy_pass http:\/\/ivs_emulator;/);
    expect(compose.services.proxy.volumes[0]).toContain('deploy/nginx.conf');
  });
});
