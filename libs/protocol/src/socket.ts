import { z } from 'zod';
import type { ErrorCode, ErrorDetail } from './errors';

/**
 * Socket.IO protocol building blocks. Every client→server message is a *command*:
 * a named event with one zod schema (strict, size-bounded) and an ack
 * `{ok:true, data}` or `{ok:false, error}`. Feature files (studio.ts, chat.ts, …)
 * define their commands with `command()`; `socket-commands.ts` lists them all.
 */
export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string; details?: ErrorDetail[] } };

/** Largest serialized payload the server accepts on the socket (also the engine.io buffer limit). */
export const MAX_SOCKET_PAYLOAD_BYTES = 64 * 1024;

export interface CommandDef<Name extends string = string, S extends z.ZodType = z.ZodType, R = unknown> {
  readonly name: Name;
  readonly schema: S;
  /** Largest accepted payload in bytes (JSON), checked before parsing. */
  readonly maxBytes: number;
  /** Phantom: the `data` type of a successful ack. */
  readonly result?: R;
}

export function command<R = void>() {
  return <Name extends string, S extends z.ZodType>(name: Name, schema: S, maxBytes = 4 * 1024): CommandDef<Name, S, R> => ({
    name,
    schema,
    maxBytes: Math.min(maxBytes, MAX_SOCKET_PAYLOAD_BYTES),
  });
}

export type CommandPayload<C> = C extends CommandDef<string, infer S, unknown> ? z.input<S> : never;
export type CommandResult<C> = C extends CommandDef<string, z.ZodType, infer R> ? R : never;

/** Idempotency key every state-changing command carries (a retried command is applied once). */
export const CommandId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 characters of A-Z a-z 0-9 _ -');

/** Who the socket is, as the server tells the client after connecting. */
export const SessionInfo = z.object({
  user: z.object({ id: z.string(), username: z.string(), role: z.enum(['user', 'moderator', 'admin']) }).nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionCommands = {
  whoami: command<SessionInfo>()('session:whoami', z.strictObject({})),
};
