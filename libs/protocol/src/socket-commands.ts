import type { CommandDef } from './socket';
import { SessionCommands } from './socket';

/**
 * Every command the server accepts, by event name. The server refuses any other event
 * with an `request/unknown-event` ack. Feature command groups are added here.
 */
export const ALL_COMMANDS: readonly CommandDef[] = [...Object.values(SessionCommands)];

export const COMMANDS_BY_NAME: ReadonlyMap<string, CommandDef> = new Map(ALL_COMMANDS.map((c) => [c.name, c]));

/** Server → client events (name → payload type). Feature groups extend this interface. */
export interface ServerEvents {
  /** The server is going away (deploy / shutdown): reconnect, another node will answer. */
  'session:closing': { reason: string };
  /** A personal notice to every open tab of one user (on any node). */
  'user:notice': { kind: string; message: string };
}
