import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Anonymous viewers' sessions: a random id the server issues, carried by an HttpOnly cookie,
 * HMAC-signed so a client can neither choose its id nor forge someone else's (the id itself
 * may appear in logs and never grants anything). Logged-in viewers use their user id and
 * link guests their guest id instead.
 */
export const VIEWER_SESSION_COOKIE = 'streamcat-viewer';
/** As long as an IVS participant token (12 h): a session outliving its token would reuse nothing. */
export const VIEWER_SESSION_MAX_AGE_SECONDS = 12 * 3600;

const VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** The signing key, separated by purpose from whatever else the server secret signs. */
export function viewerSessionKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('streamcat viewer-session v1').digest();
}

/** A new id (128 random bits) and its signed cookie value. */
export function newViewerSession(key: Buffer): { id: string; value: string } {
  const id = randomBytes(16).toString('base64url');
  return { id, value: `${id}.${mac(key, id)}` };
}

/** The session id of a cookie value this server signed, or null for anything else. */
export function verifyViewerSession(key: Buffer, value: string | undefined): string | null {
  const m = value ? VALUE.exec(value) : null;
  if (!m) return null;
  const expected = Buffer.from(mac(key, m[1]));
  const given = Buffer.from(m[2]);
  return given.length === expected.length && timingSafeEqual(given, expected) ? m[1] : null;
}

function mac(key: Buffer, id: string): string {
  return createHmac('sha256', key).update(id).digest('base64url');
}
