import { randomInt } from 'node:crypto';
import { IvsApiError } from './aws-protocol/ivs-api.errors';

export type IvsResourceType = 'channel' | 'stream-key' | 'stage' | 'composition' | 'encoder-configuration' | 'storage-configuration';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Uniform random alphanumerics (crypto, no modulo bias): ids and stream keys must not be guessable. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** IVS resource ids are 12 alphanumerics (`arn:…:channel/AbCdEf123456`). */
export const newResourceId = (): string => randomAlphanumeric(12);
export const newParticipantId = (): string => randomAlphanumeric(12);
/**
 * IVS stream ids are 26 characters, `st-` + 23 alphanumerics (GetStreamSession's streamId: "Fixed
 * length of 26"); stage session ids share the prefix and are 16 long (`st-a1b2c3d4e5f6g`).
 */
export const newStreamId = (): string => `st-${randomAlphanumeric(23)}`;
export const newStageSessionId = (): string => `st-${randomAlphanumeric(13)}`;
/** A channel's SRT encryption passphrase (SRT accepts 10–79 characters). */
export const newSrtPassphrase = (): string => randomAlphanumeric(32);
export const newStreamKeyValue = (region: string): string => `sk_${region}_${randomAlphanumeric(28)}`;

export function buildArn(region: string, accountId: string, type: IvsResourceType, id: string): string {
  return `arn:aws:ivs:${region}:${accountId}:${type}/${id}`;
}

export interface ParsedArn {
  region: string;
  accountId: string;
  type: string;
  id: string;
}

const ARN_PATTERN = /^arn:aws:ivs:([a-z0-9-]+):(\d+):([a-z-]+)\/([A-Za-z0-9-]+)$/;

export function parseArn(arn: string): ParsedArn | null {
  const m = ARN_PATTERN.exec(arn);
  return m ? { region: m[1], accountId: m[2], type: m[3], id: m[4] } : null;
}

/** Regex a request field must match to be an ARN of `type` (used by the request schemas). */
export function arnPattern(type: IvsResourceType): RegExp {
  return new RegExp(`^arn:aws:ivs:[a-z0-9-]+:\\d+:${type}/[A-Za-z0-9-]+$`);
}

/** An ARN from another account is a permissions problem in IVS, not a missing resource. */
export function assertOwnAccount(arn: string, accountId: string): void {
  if (arn.split(':')[4] !== accountId) {
    throw new IvsApiError('AccessDeniedException', `Account ${accountId} is not allowed to access ${arn}.`);
  }
}
