import type { z } from 'zod';
import { validationError } from './ivs-api.errors';

/**
 * Parses a request body with its schema, turning zod issues into one ValidationException
 * that names each bad field and why (IVS says e.g. "name: Member must satisfy pattern").
 * A missing body (some clients send none) is treated as `{}`.
 */
export function parseIvsRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const reasons = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : 'body';
    return `${field}: ${issue.message}`;
  });
  throw validationError(`${reasons.length} validation error(s) detected: ${reasons.join('; ')}`);
}
