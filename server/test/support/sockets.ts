import { io, Socket } from 'socket.io-client';
import type { Ack } from '@streamcat/protocol';

/** A websocket-only Socket.IO client, as the browser app connects (`headers`: e.g. a cookie or X-Forwarded-For). */
export function connectSocket(baseUrl: string, auth: Record<string, string> = {}, headers?: Record<string, string>): Socket {
  return io(baseUrl, { transports: ['websocket'], auth, extraHeaders: headers, reconnection: false, forceNew: true });
}

export function connected(socket: Socket, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    const timer = setTimeout(() => reject(new Error('socket did not connect')), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('connect_error', (e) => (clearTimeout(timer), reject(e)));
  });
}

export function send<T = unknown>(socket: Socket, event: string, payload: unknown, timeoutMs = 5_000): Promise<Ack<T>> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
}

/** Resolves with the first `event` for which `match` holds (earlier ones are skipped). */
export function waitFor<T>(socket: Socket, event: string, match: (p: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.off(event, on), reject(new Error(`no matching "${event}" within ${timeoutMs} ms`))), timeoutMs);
    const on = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(p);
    };
    socket.on(event, on);
  });
}

/** The next `event` on this socket. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5_000): Promise<T> {
  return waitFor<T>(socket, event, () => true, timeoutMs);
}

/** Resolves with the disconnect reason once the server (or the transport) drops the socket. */
export function disconnected(socket: Socket, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket was not disconnected')), timeoutMs);
    socket.once('disconnect', (reason) => (clearTimeout(timer), resolve(reason)));
  });
}

/**
 * Pushes from one node to one socket arrive in order, so once a command sent now is answered,
 * any push the node wrote to this socket earlier has arrived too.
 */
export async function roundTrip(socket: Socket): Promise<void> {
  const ack = await send(socket, 'session:whoami', {});
  if (!ack.ok) throw new Error(`whoami refused: ${JSON.stringify(ack.error)}`);
}
