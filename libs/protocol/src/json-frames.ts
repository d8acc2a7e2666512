import type { z } from 'zod';

/** A websocket text frame read as one message of `schema`, or undefined (not JSON, or not that message). */
export function parseJsonFrame<T>(text: string, schema: z.ZodType<T>): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = schema.safeParse(json);
  return r.success ? r.data : undefined;
}
