import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What PostgreSQL's lock file says about a running cluster: the postmaster's pid and its port. */
export interface PostmasterLock {
  pid: number;
  port: number;
}

/**
 * `postmaster.pid`: line 1 is the pid, line 4 the port (PostgreSQL's documented layout).
 * Null when the text is not such a file.
 */
export function parsePostmasterPid(text: string): PostmasterLock | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  const port = Number(lines[3]?.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { pid, port };
}

/** The lock of the embedded cluster in DATA_DIR, if its postmaster is alive (a stale file is ignored). */
export function runningEmbeddedCluster(dataDir: string): PostmasterLock | null {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return null;
  const lock = parsePostmasterPid(readFileSync(file, 'utf8'));
  if (!lock) return null;
  try {
    process.kill(lock.pid, 0);
    return lock;
  } catch (e) {
    // EPERM: alive but another user's (postgres, when we are not root).
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? lock : null;
  }
}
