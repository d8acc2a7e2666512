import { io, Socket } from 'socket.io-client';
import type { Ack } from '@streamcat/protocol';

/** A websocket-only Socket.IO client, as the browser app connects. */
export function connectSocket(baseUrl: string, auth: Record<string, string> = {}): Socket {
  return io(baseUrl, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
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

export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: T) => (clearTimeout(timer), resolve(payload)));
  });
}
