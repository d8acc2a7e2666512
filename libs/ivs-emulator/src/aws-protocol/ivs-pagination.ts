import { validationError } from './ivs-api.errors';

/**
 * List pages are keyed by the last resource id returned (keyset, so rows created between
 * pages neither repeat nor vanish). The token is opaque to callers, as in IVS.
 */
export function encodeNextToken(lastId: string): string {
  return Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');
}

export function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^v1:([A-Za-z0-9-]{1,64})$/.exec(decoded);
  if (!match) throw validationError('nextToken: is not a token returned by a previous call');
  return match[1];
}

/** Given `limit + 1` rows, returns the page and the token for the next one (if any). */
export function pageOf<T>(rows: T[], limit: number, idOf: (row: T) => string): { items: T[]; nextToken?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextToken: encodeNextToken(idOf(items[items.length - 1])) };
}
