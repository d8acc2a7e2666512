import { Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import { Ack, CommandDef, CommandResult } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { toAppError } from '../http/error.filter';
import { actorOf, SocketActor } from './socket-actor';

/** Commands per socket: a burst of 40, refilled at 20 per second. */
const BUCKET_SIZE = 40;
const REFILL_PER_SEC = 20;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The one way a gateway handles a command: size check, schema parse, rate limit, then the
 * handler; every outcome becomes an ack. Nothing a client sends can throw past this point.
 */
@Injectable()
export class CommandRunner {
  private readonly log = new Logger('Commands');
  private readonly buckets = new WeakMap<Socket, Bucket>();

  async run<C extends CommandDef>(
    def: C,
    socket: Socket,
    payload: unknown,
    handler: (input: z.output<C['schema']>, actor: SocketActor) => Promise<CommandResult<C>> | CommandResult<C>,
  ): Promise<Ack<CommandResult<C>>> {
    try {
      if (!this.take(socket)) throw new AppError('request/rate-limited', 'You are sending too fast. Please slow down.');
      let size: number;
      try {
        size = Buffer.byteLength(JSON.stringify(payload ?? null));
      } catch {
        throw new AppError('request/invalid', 'The message could not be read.');
      }
      if (size > def.maxBytes)
        throw new AppError('request/too-large', `The message is too large (${size} bytes; at most ${def.maxBytes}).`);
      const parsed = def.schema.safeParse(payload ?? {});
      if (!parsed.success) {
        const details = parsed.error.issues
          .slice(0, 20)
          .map((i) => ({ path: i.path.length ? i.path.join('.') : '(payload)', message: i.message }));
        throw new AppError('request/invalid', `${details[0].path}: ${details[0].message}`, details);
      }
      const data = await handler(parsed.data as z.output<C['schema']>, actorOf(socket));
      return { ok: true, data };
    } catch (e) {
      const err = toAppError(e);
      if (err.code === 'server/internal') this.log.error(`${def.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return { ok: false, error: err.toBody().error };
    }
  }

  private take(socket: Socket): boolean {
    const now = Date.now();
    const b = this.buckets.get(socket) ?? { tokens: BUCKET_SIZE, at: now };
    b.tokens = Math.min(BUCKET_SIZE, b.tokens + ((now - b.at) / 1000) * REFILL_PER_SEC);
    b.at = now;
    this.buckets.set(socket, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
