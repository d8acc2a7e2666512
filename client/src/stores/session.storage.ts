import type { AuthResponse, PublicUser, Role } from '@streamcat/protocol';

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const SESSION_KEY = 'streamcat.session';

/** localStorage when the browser allows it (private modes may throw), else memory for this tab. */
export function browserStorage(): KeyValueStorage {
  try {
    const storage = globalThis.localStorage;
    if (storage) return storage;
  } catch {
    // fall through to memory
  }
  const memory = new Map<string, string>();
  return {
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => void memory.set(key, value),
    removeItem: (key) => void memory.delete(key),
  };
}

const ROLES: readonly Role[] = ['user', 'moderator', 'admin'];

function isUser(value: unknown): value is PublicUser {
  const u = value as PublicUser | null;
  return typeof u === 'object' && u !== null && typeof u.id === 'string' && typeof u.username === 'string' && ROLES.includes(u.role);
}

/** Seconds-since-epoch `exp` of a JWT, or null when the token carries none we can read. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/**
 * The remembered session, if it is well-formed and not already expired. A stale token
 * would only earn a 401 on the first call, so it is dropped before the app shows "logged in".
 */
export function readSession(storage: KeyValueStorage, nowMs = Date.now()): AuthResponse | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
  const s = parsed as AuthResponse | null;
  if (typeof s !== 'object' || s === null || typeof s.accessToken !== 'string' || !isUser(s.user)) return null;
  const exp = tokenExpiry(s.accessToken);
  if (exp !== null && exp * 1000 <= nowMs) return null;
  return { accessToken: s.accessToken, user: { id: s.user.id, username: s.user.username, role: s.user.role } };
}

export function writeSession(storage: KeyValueStorage, session: AuthResponse | null): void {
  try {
    if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
    else storage.removeItem(SESSION_KEY);
  } catch {
    // Storage full or denied: the session still works for this tab.
  }
}
