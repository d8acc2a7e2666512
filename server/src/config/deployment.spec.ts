import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from './config.schema';

// No Docker engine runs here, so the compose file is checked for what would break it:
// the services and the variables it passes must match what the server reads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(s: string): any };
const root = join(__dirname, '../../..');

describe('docker-compose.yml (deployment shape)', () => {
  const compose = yaml.load(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));

  it('has PostgreSQL, Redis, two server replicas and a proxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'proxy', 'redis', 'server-1', 'server-2']);
    expect(compose.services['server-1'].environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    expect(compose.services['server-2'].environment.DATABASE_URL).toMatch(/@postgres:5432\//);
  });

  it('passes only variables the server (or the AWS SDK) reads', () => {
    const known = new Set([...Object.keys(envSchema.shape), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const unknown = Object.keys(compose.services['server-1'].environment).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it('proxies websockets to both replicas', () => {
    const nginx = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/server server-1:3000/);
    expect(nginx).toMatch(/server server-2:3000/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade/);
    expect(compose.services.proxy.volumes[0]).toContain('deploy/nginx.conf');
  });
});
