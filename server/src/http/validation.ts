import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { ErrorDetail } from '@streamcat/protocol';
import { z } from 'zod';
import { AppError } from './app-error';

/** Longest parameter name echoed back in an error (a 10 KB name is cut, not reflected whole). */
const MAX_NAME_IN_ERROR = 64;

/**
 * Nest pipe: parse a body, a path parameter or the query string with a protocol schema, or
 * answer 400 `request/invalid` naming the field or parameter. Query strings get their own
 * rules (see parseQuery); path parameters are named by the route's `:name`.
 */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.infer<T> {
    if (metadata?.type === 'query' && metadata.data) {
      // `@Query('x', pipe)`: one parameter, still named and still refused when repeated.
      const one = parseQuery(z.object({ [metadata.data]: this.schema }), { [metadata.data]: value }) as Record<string, z.infer<T>>;
      return one[metadata.data];
    }
    if (metadata?.type === 'query') return parseQuery(this.schema, value);
    if (metadata?.type === 'param' && metadata.data) return parseOrThrow(this.schema, value, metadata.data);
    return parseOrThrow(this.schema, value);
  }
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, name?: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(
    result.error.issues.map((i) => ({
      path: [name, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
      message: i.message,
    })),
    'Request body',
  );
}

/**
 * The query string (Express's simple parser: every value a string, repeats an array). A
 * parameter given twice (`?limit=1&limit=2`) is refused rather than guessed at, and an
 * unknown one is named (strict schemas), so nothing but the schema's output reaches a service.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const raw = (query ?? {}) as Record<string, unknown>;
  const repeated: ErrorDetail[] = Object.entries(raw)
    .filter(([, v]) => v !== undefined && typeof v !== 'string')
    .map(([k]) => ({ path: cut(k), message: 'must be given once' }));
  if (repeated.length) throw invalid(repeated, 'Query');
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw invalid(
    result.error.issues.flatMap((i): ErrorDetail[] =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: cut(k), message: 'is not a parameter of this request' }))
        : [{ path: i.path.map(String).join('.') || '(query)', message: i.message }],
    ),
    'Query',
  );
}

function invalid(all: ErrorDetail[], whole: string): AppError {
  const details = all.slice(0, 20);
  const first = details[0];
  const where = first.path === '(body)' || first.path === '(query)' ? whole : first.path;
  return new AppError('request/invalid', `${where}: ${first.message}`, details);
}

function cut(name: string): string {
  return name.length > MAX_NAME_IN_ERROR ? `${name.slice(0, MAX_NAME_IN_ERROR)}…` : name;
}
