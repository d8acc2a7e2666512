#!/usr/bin/env node
// `npm start`: the whole product on one machine — installs and builds on first run,
// then starts the server with embedded PostgreSQL, in-memory pub/sub and local media.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, root } from './project.mjs';

ensureDependencies();
ensureBuilt();
const server = spawn(process.execPath, [join(root, 'dist/server/src/main.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
