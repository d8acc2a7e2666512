import { INestApplicationContext, Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { isObservable, lastValueFrom } from 'rxjs';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { MAX_SOCKET_PAYLOAD_BYTES } from '@streamcat/protocol';

interface HandlerTable {
  position: ReadonlyMap<string, number>;
  manualAck: readonly boolean[];
}
interface GatewayCallbacks {
  table: HandlerTable;
  /** Nest's handlers bound to this socket, in the table's order. */
  callbacks: ((...args: unknown[]) => unknown)[];
}
const CALLBACKS = Symbol('gateway-callbacks');
const ADAPTER = Symbol('realtime-adapter');
type BoundSocket = Socket & { [CALLBACKS]?: GatewayCallbacks[]; [ADAPTER]?: RealtimeIoAdapter };

/** The one `onAny` listener of every socket (Socket.IO calls it with the socket as `this`). */
function dispatchCommand(this: BoundSocket, event: string, ...args: unknown[]): void {
  const gateways = this[CALLBACKS];
  const adapter = this[ADAPTER];
  if (!gateways || !adapter) return;
  for (const g of gateways) {
    const i = g.table.position.get(event);
    if (i !== undefined) void adapter.runHandler(event, g.callbacks[i], g.table.manualAck[i], args);
  }
}

const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;

/**
 * Socket.IO server for every gateway: websocket transport only (no sticky sessions needed
 * behind a round-robin proxy), 64 KB message cap, and — with REDIS_URL — the Redis
 * pub/sub adapter so rooms span every node. Without REDIS_URL: one process, in memory.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private readonly log = new Logger('Realtime');
  private pub?: Redis;
  private sub?: Redis;
  private heartbeat?: NodeJS.Timeout;
  /** Per gateway (keyed by its command names): command name → handler position. Shared by all sockets. */
  private readonly tables = new Map<string, HandlerTable>();

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl?: string,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, {
      ...options,
      transports: ['websocket'],
      maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
      pingInterval: 10_000,
      pingTimeout: 8_000,
      cors: { origin: false },
      serveClient: false,
    });
    if (this.redisUrl) {
      this.pub ??= new Redis(this.redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
      this.sub ??= this.pub.duplicate();
      for (const [name, c] of [
        ['pub', this.pub],
        ['sub', this.sub],
      ] as const) {
        c.on('error', (e) => this.log.warn(`redis ${name}: ${e.message}`));
        handleFireAndForget(c, name, this.log);
      }
      server.adapter(createAdapter(this.pub, this.sub, { key: 'streamcat' }));
      this.startHeartbeat();
    }
    return server;
  }

  /**
   * Nest's default binds one RxJS pipeline per command per socket (dozens of objects for
   * each idle connection). Here each socket holds only the callbacks Nest bound to it, in one
   * array per gateway; the name → position table is shared by every socket of a gateway, and
   * one listener function (the same for every socket) dispatches all of them. The handler's
   * result (a command ack) goes back through the client's ack callback.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    const key = handlers.map((h) => h.message as string).join('\n');
    let table = this.tables.get(key);
    if (!table) {
      table = {
        position: new Map(handlers.map((h, i) => [h.message as string, i])),
        manualAck: handlers.map((h) => h.isAckHandledManually === true),
      };
      this.tables.set(key, table);
    }
    const bound = socket as BoundSocket;
    const entry: GatewayCallbacks = { table, callbacks: handlers.map((h) => h.callback) };
    if (bound[CALLBACKS]) bound[CALLBACKS].push(entry);
    else {
      bound[CALLBACKS] = [entry];
      bound[ADAPTER] = this;
      socket.onAny(dispatchCommand);
    }
  }

  /** Runs a command's handler; its result, when there is one, answers the client's ack. */
  async runHandler(event: string, callback: (...args: unknown[]) => unknown, manualAck: boolean, args: unknown[]): Promise<void> {
    const { data, ack } = this.mapPayload(args);
    let response: unknown;
    try {
      // What Nest's own transform does: a value, a promise or an observable (its last value).
      const out = await callback(data, ack);
      response = isObservable(out) ? await lastValueFrom(out, { defaultValue: undefined }) : out;
    } catch (e) {
      this.log.error(`${event}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (response === undefined || response === null) return;
    if (!manualAck && typeof ack === 'function') (ack as (r: unknown) => void)(response);
  }

  /**
   * A subscriber connection can die silently (no FIN through a NAT or proxy): it then
   * receives nothing and cross-node delivery stops without an error. PING it regularly and
   * force a reconnect (ioredis resubscribes) when it does not answer in time.
   */
  private startHeartbeat(): void {
    if (this.heartbeat || !this.sub) return;
    const sub = this.sub;
    this.heartbeat = setInterval(() => {
      if (sub.status !== 'ready') return;
      let answered = false;
      sub
        .ping()
        .then(() => (answered = true))
        .catch(() => undefined);
      setTimeout(() => {
        if (!answered && sub.status === 'ready') {
          this.log.warn('Redis subscriber did not answer PING; reconnecting');
          sub.disconnect(true);
        }
      }, HEARTBEAT_TIMEOUT_MS).unref();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  override async close(server: Server): Promise<void> {
    await super.close(server as Parameters<IoAdapter['close']>[0]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.pub?.disconnect();
    this.sub?.disconnect();
    this.pub = this.sub = undefined;
  }
}

/**
 * The Socket.IO Redis adapter subscribes (when made), publishes and unsubscribes (on close)
 * without awaiting the promise. A broadcast made while Redis is away, or a node shut down in
 * the moment after it started (its subscriptions still on their way) or while a domain event
 * is still pushing, then rejects with nobody listening: an unhandled rejection that ends the
 * process. The adapter's delivery is best effort by design
 * (clients resync on reconnect), so such a failure is logged, never thrown at the process.
 */
function handleFireAndForget(client: Redis, name: string, log: Logger): void {
  for (const method of ['subscribe', 'psubscribe', 'ssubscribe', 'publish', 'unsubscribe', 'punsubscribe', 'sunsubscribe'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const pending = original(...args);
      pending.catch((e: unknown) => log.debug(`redis ${name} ${method}: ${e instanceof Error ? e.message : String(e)}`));
      return pending;
    };
  }
}
