import { createHash } from 'node:crypto';
import type { ShowLayout } from '@streamcat/protocol';

/** The last show pushed for a studio: its document version and a digest of what was pushed. */
export interface PushedShow {
  version: number;
  digest: string;
}

/**
 * Whether a studio change is pushed to real-time pages. Changes arrive on whichever node made
 * them and may be handled out of order: an older version is dropped, and a newer one is pushed
 * only if the audience would see something different (a backstage change pushes nothing).
 */
export function decideShowPush(last: PushedShow | null, next: PushedShow): { record: boolean; push: boolean } {
  if (last && last.version >= next.version) return { record: false, push: false };
  return { record: true, push: !last || last.digest !== next.digest };
}

export function showDigest(show: ShowLayout | null): string {
  return createHash('sha1').update(JSON.stringify(show)).digest('base64url');
}

/** decideShowPush, atomically in Redis across nodes. KEYS[1] the studio's hash; ARGV version, digest, ttl ms. Returns 1 to push. */
export const SHOW_PUSH_LUA = `
local last = redis.call('HMGET', KEYS[1], 'version', 'digest')
local version = tonumber(ARGV[1])
if last[1] and tonumber(last[1]) >= version then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'digest', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if last[2] == ARGV[2] then return 0 end
return 1
`;
