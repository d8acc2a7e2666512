import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * The HS256 secret as a KeyObject, made once. Given a string, jsonwebtoken first tries to parse
 * it as a PEM public key on every sign and verify and only falls back to a secret key when that
 * throws: about 0.4 ms of a failed OpenSSL parse per call, which was 2 of the 4.6 s that 5,000
 * socket handshakes took (bench:connections, CPU profile of the server).
 */
export function jwtSecretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
