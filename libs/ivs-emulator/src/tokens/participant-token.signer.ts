import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jwt from 'jsonwebtoken';
import { z } from 'zod';

/** IVS's participant-token payload shape (see docs/ivs-reference.md). */
export interface ParticipantTokenClaims {
  exp: number;
  iat: number;
  /** The participant id. */
  jti: string;
  /** The stage ARN. */
  resource: string;
  /** The stage id. */
  topic: string;
  events_url: string;
  whip_url: string;
  user_id?: string;
  attributes?: Record<string, string>;
  capabilities: { allow_publish: boolean; allow_subscribe: boolean };
  version: '1.0';
}

const claimsSchema = z.object({
  exp: z.number().int(),
  iat: z.number().int(),
  jti: z.string().min(1),
  resource: z.string().min(1),
  topic: z.string().min(1),
  events_url: z.string(),
  whip_url: z.string(),
  user_id: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  capabilities: z.object({ allow_publish: z.boolean(), allow_subscribe: z.boolean() }),
  version: z.literal('1.0'),
});

export type SignatureCheck =
  { ok: true; claims: ParticipantTokenClaims } | { ok: false; code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID'; message: string };

export const PARTICIPANT_TOKEN_KEY_FILE = join('ivs-emulator', 'participant-token-key.pem');

/**
 * Signs and checks participant tokens with one EC P-384 key (ES384, as IVS uses). The key is
 * generated once into the data dir and reused, so tokens stay valid across restarts.
 */
export class ParticipantTokenSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    // A stable kid derived from the key lets a verifier notice a rotated key.
    this.keyId = createHash('sha256').update(der).digest('base64url').slice(0, 16);
  }

  static fromDataDir(dataDir: string): ParticipantTokenSigner {
    return new ParticipantTokenSigner(loadOrCreateKey(join(dataDir, PARTICIPANT_TOKEN_KEY_FILE)));
  }

  sign(claims: ParticipantTokenClaims): string {
    return jwt.sign(claims, this.privateKey, { algorithm: 'ES384', keyid: this.keyId });
  }

  /** Signature, algorithm, expiry and claim shape; revocation is the caller's job. */
  check(token: string, now: Date): SignatureCheck {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.publicKey, {
        algorithms: ['ES384'],
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) return { ok: false, code: 'TOKEN_EXPIRED', message: 'The participant token has expired.' };
      return { ok: false, code: 'TOKEN_INVALID', message: `The participant token is not valid: ${(err as Error).message}` };
    }
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, code: 'TOKEN_INVALID', message: 'The participant token has an unexpected payload.' };
    return { ok: true, claims: parsed.data };
  }
}

function loadOrCreateKey(path: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    // 'wx': if another process sharing the data dir wrote a key first, use theirs.
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return createPrivateKey(readFileSync(path, 'utf8'));
  }
  return privateKey;
}
