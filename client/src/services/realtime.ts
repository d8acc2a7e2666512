import { io, type Socket } from 'socket.io-client';
import type { Ack, CommandDef, CommandPayload, CommandResult, ServerEvents, SessionEnded } from '@streamcat/protocol';
import { ApiError } from './api';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface RealtimeAuth {
  token?: string;
  guestToken?: string;
}

export interface RealtimeOptions {
  /** Server origin; the page's own origin when omitted. */
  url?: string;
  /** Read on every (re)connection, so a refreshed login is picked up. */
  auth: () => RealtimeAuth;
  onState?: (state: ConnectionState, detail?: string) => void;
  /**
   * The server ended this socket because the login changed: expired or deleted (the session
   * should end), or a new role (already reconnecting with the same login).
   */
  onSessionEnded?: (ended: SessionEnded) => void;
}

const COMMAND_TIMEOUT_MS = 8_000;

/** A command id for idempotent retries: the same command sent twice is applied once. */
export function newCommandId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/**
 * The app's one Socket.IO connection: websocket only, reconnect with jittered backoff,
 * authentication failures terminal (no retry storm with a dead token), typed commands
 * (`send` resolves with the ack's data or throws an ApiError with its code), typed events,
 * and `onReconnect` hooks so stores fetch a fresh snapshot after any gap.
 */
export class RealtimeClient {
  private socket?: Socket;
  private state: ConnectionState = 'idle';
  private readonly reconnectHooks = new Set<() => void>();
  private everConnected = false;
  /** The reason the server gave just before closing, if it gave one. */
  private ended?: SessionEnded;

  constructor(private readonly options: RealtimeOptions) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  connect(): void {
    if (this.socket) return;
    const socket = io(this.options.url ?? '', {
      transports: ['websocket'],
      auth: (cb) => cb({ ...this.options.auth() }),
      reconnection: true,
      // A replica restarting (or a load balancer moving us) must not leave a studio page waiting
      // out a long backoff: at most 2.5 s ± half between tries; the jitter spreads a crowd's retries.
      reconnectionDelay: 500,
      reconnectionDelayMax: 2_500,
      randomizationFactor: 0.5,
    });
    this.socket = socket;
    this.setState('connecting');
    socket.on('connect', () => {
      const again = this.everConnected;
      this.everConnected = true;
      this.setState('connected');
      if (again) for (const hook of this.reconnectHooks) hook();
    });
    socket.on('session:ended', (e: SessionEnded) => {
      this.ended = e;
      this.options.onSessionEnded?.(e);
    });
    socket.on('disconnect', (reason) => {
      const ended = this.ended;
      this.ended = undefined;
      // A new role: the same login is still good, and a fresh connection earns the new role's rooms.
      if (reason === 'io server disconnect' && ended?.reason === 'role-changed') {
        this.setState('reconnecting', ended.message);
        socket.connect();
        return;
      }
      // A server-side disconnect is deliberate (removed, closed, login over): socket.io does not retry it.
      this.setState(reason === 'io server disconnect' ? 'refused' : 'reconnecting', ended?.message ?? reason);
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code;
      if (code?.startsWith('auth/')) {
        socket.io.opts.reconnection = false;
        socket.disconnect();
        this.setState('refused', err.data?.message ?? err.message);
        return;
      }
      this.setState(this.everConnected ? 'reconnecting' : 'connecting', err.message);
    });
  }

  disconnect(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    this.everConnected = false;
    this.setState('idle');
  }

  /** Send a command; resolves with the ack's data, throws ApiError(code) on a refusal or timeout. */
  async send<C extends CommandDef>(def: C, payload: CommandPayload<C>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult<C>> {
    const socket = this.socket;
    if (!socket) throw new ApiError(0, 'server/unavailable', 'Not connected to the server.');
    let ack: Ack<CommandResult<C>>;
    try {
      ack = (await socket.timeout(timeoutMs).emitWithAck(def.name, payload)) as Ack<CommandResult<C>>;
    } catch {
      throw new ApiError(0, 'server/unavailable', 'The server did not answer in time. Please try again.');
    }
    if (ack.ok) return ack.data;
    throw new ApiError(0, ack.error.code, ack.error.message, ack.error.details ?? []);
  }

  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void {
    const socket = this.requireSocket();
    const listener = (payload: ServerEvents[E]) => handler(payload);
    socket.on(event as string, listener);
    return () => socket.off(event as string, listener);
  }

  /** Called after every reconnection (not the first connect): refetch snapshots here. */
  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }

  private requireSocket(): Socket {
    if (!this.socket) this.connect();
    return this.socket as Socket;
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.options.onState?.(state, detail);
  }
}
