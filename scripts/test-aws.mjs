#!/usr/bin/env node
// `npm run test:aws`: the MediaProvider contract suite (server/test/media-provider.e2e-spec.ts)
// against Amazon IVS instead of the emulator, in AWS_REGION, with the AWS SDK's usual
// credentials (environment, AWS_PROFILE / ~/.aws, SSO, instance or container role). It creates
// and deletes its own tagged channels and stages (docs/aws.md). Without credentials it says so
// in one line and succeeds, so it can sit in any pipeline.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { root } from './project.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { IVSRealTimeClient } = require('@aws-sdk/client-ivs-realtime');

/** Whether the SDK's default chain finds credentials (the same chain the suite's clients use). */
async function haveCredentials() {
  const client = new IVSRealTimeClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 10_000).unref());
    const creds = await Promise.race([client.config.credentials(), timeout]);
    return Boolean(creds?.accessKeyId);
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

if (!(await haveCredentials())) {
  console.log('test:aws skipped: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID)');
  process.exit(0);
}
if (!process.env.AWS_REGION) {
  console.error('test:aws: set AWS_REGION to the region to create the test channels and stages in (e.g. AWS_REGION=eu-west-1)');
  process.exit(1);
}

console.log(`test:aws: MediaProvider contract against Amazon IVS in ${process.env.AWS_REGION}`);
const r = spawnSync(
  'npx',
  ['jest', 'server/test/media-provider.e2e-spec.ts', '--selectProjects', 'integration', '--runInBand', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, MEDIA_CONTRACT_TARGET: 'aws' } },
);
process.exit(r.status ?? 1);
