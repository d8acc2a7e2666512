// Bundles stage-harness.mjs (and the client media code it imports) into one browser script.
// Run as a child process by the tests because rolldown is ESM-only and jest runs CommonJS.
import { build } from 'rolldown';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
await build({
  input: join(here, 'stage-harness.mjs'),
  platform: 'browser',
  logLevel: 'warn',
  // The client imports the wire definitions as the app's bundler resolves them.
  resolve: { alias: { '@streamcat/protocol': join(here, '../../../protocol/src') } },
  output: { file: join(outDir, 'harness.js'), format: 'iife' },
});
