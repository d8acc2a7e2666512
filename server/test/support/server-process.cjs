/**
 * Runs one real StreamCat server node in its own OS process, straight from the TypeScript
 * sources (transpiled on require, as jest does), so a test can SIGKILL it. Configured by
 * the environment like production (DATABASE_URL, REDIS_URL, DATA_DIR, PORT…); prints
 * `LISTENING <url>` once it accepts connections.
 */
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '../../..');
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  resolveJsonModule: true,
  sourceMap: false,
};

require.extensions['.ts'] = (mod, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  mod._compile(out.outputText, filename);
};

// The `@streamcat/<lib>` path aliases of tsconfig.base.json.
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@streamcat\/(protocol|layouts|ivs-events|ivs-emulator)(\/.*)?$/.exec(request);
  if (m) request = path.join(root, 'libs', m[1], 'src', m[2] ?? '');
  return resolve.call(this, request, ...rest);
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// A test node registers many users from loopback: the test limits apply unless the caller sets its own.
process.env.RATE_LIMITS ??= require(path.join(root, 'test/support/test-limits.json')).RATE_LIMITS;
const { createApp } = require(path.join(root, 'server/src/app.factory.ts'));
const { loadConfig } = require(path.join(root, 'server/src/config/config.ts'));

(async () => {
  const config = { ...loadConfig(), databaseUrl: process.env.DATABASE_URL };
  const app = await createApp(config, { backgroundJobs: false });
  const { port } = app.getHttpServer().address();
  process.stdout.write(`LISTENING http://127.0.0.1:${port}\n`);
})().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

// SIGTERM ends the node at once, as the default does, but through process.exit so exit hooks
// run (a bench's `--cpu-prof` writes its profile then). SIGKILL stays the way to kill it hard.
process.on('SIGTERM', () => process.exit(0));
