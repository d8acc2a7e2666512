#!/usr/bin/env node
// `npm run emulator`: the IVS emulator as its own service (control plane, stage SFU, ingest, HLS,
// recordings), for server replicas that set IVS_EMULATOR_URL. Builds on first run like `npm start`.
// Needs IVS_EVENTS_URL, IVS_EVENTS_API_KEY and the emulator's access key pair (README, "Scaling out").
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, root } from './project.mjs';

ensureDependencies();
ensureBuilt();
const emulator = spawn(process.execPath, [join(root, 'dist/server/src/emulator/emulator.main.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => emulator.kill(signal));
emulator.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
