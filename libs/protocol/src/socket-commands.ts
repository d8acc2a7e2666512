import type { z } from 'zod';
import type { CommandDef } from './socket';
import { SessionCommands } from './socket';
import { ChatCommands, type ChatServerEvents } from './chat';
import { ModerationCommands, type ModerationServerEvents } from './moderation';
import { WatchCommands, type WatchServerEvents } from './watch';
import { BackstageCommands, StudioCommands, type StudioServerEvents } from './studio';
import type { PublicUser } from './rest';
import type { MultistreamServerEvents } from './multistream';

/** The feature command groups, each a map of command definitions. Feature groups are added here. */
const COMMAND_GROUPS = { SessionCommands, WatchCommands, ChatCommands, ModerationCommands, StudioCommands, BackstageCommands };

type Groups = typeof COMMAND_GROUPS;
type AnyCommand = { [G in keyof Groups]: Groups[G][keyof Groups[G]] }[keyof Groups];
type NameOf<C> = C extends CommandDef<infer N, z.ZodType, unknown> ? N : never;

/** The name of every socket command (typed tables keyed by it miss none). */
export type CommandName = NameOf<AnyCommand>;

/**
 * Every command the server accepts, by event name. The server refuses any other event
 * with an `request/unknown-event` ack.
 */
export const ALL_COMMANDS: readonly CommandDef<CommandName>[] = Object.values(COMMAND_GROUPS).flatMap((group): CommandDef<CommandName>[] =>
  Object.values(group),
);

export const COMMANDS_BY_NAME: ReadonlyMap<string, CommandDef> = new Map(ALL_COMMANDS.map((c) => [c.name, c]));

/**
 * Server → client events (name → payload type). Feature groups extend this interface.
 * No "closing" event: a node that shuts down closes its transports, which clients read as a
 * lost connection and reconnect (to another node) with backoff.
 */
export interface ServerEvents
  extends WatchServerEvents, ChatServerEvents, ModerationServerEvents, StudioServerEvents, MultistreamServerEvents {
  /**
   * Sent just before the server closes this socket because its identity changed: the login
   * expired or the account is gone (log in again), or the role changed (reconnect at once with
   * the same login; `user` is who you are now).
   */
  'session:ended': SessionEnded;
}

export type SessionEndReason = 'session-expired' | 'account-deleted' | 'role-changed';
export interface SessionEnded {
  reason: SessionEndReason;
  message: string;
  user?: PublicUser;
}
