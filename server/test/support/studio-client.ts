import type { Socket } from 'socket.io-client';
import type { Ack, StudioSnapshot } from '@streamcat/protocol';
import { connected, connectSocket, send } from './sockets';

let seq = 0;
/** A fresh commandId (8–64 chars of A-Z a-z 0-9 _ -). */
export function commandId(prefix = 'cmd'): string {
  seq += 1;
  return `${prefix}_${Date.now().toString(36)}_${seq}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A connected socket to a node this file started itself (`useTestApp`'s `open` closes its sockets for you). */
export async function studioSocket(base: string, auth: Record<string, string>): Promise<Socket> {
  const s = connectSocket(base, auth);
  await connected(s);
  return s;
}

/** Sends a studio command with a fresh commandId unless one is given. */
export function studio<T = Record<string, unknown>>(s: Socket, event: string, payload: Record<string, unknown>): Promise<Ack<T>> {
  const needsId = !['studio:join', 'studio:snapshot', 'studio:leave'].includes(event);
  return send<T>(s, event, needsId && !payload.commandId ? { commandId: commandId(), ...payload } : payload);
}

export async function join(s: Socket, stage: string): Promise<StudioSnapshot> {
  const ack = await send<StudioSnapshot>(s, 'studio:join', { stage });
  if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

export function expectOk<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** Seats the user behind `member` on `stage` through a live invite from `host`, accepted at once. */
export async function seat(host: Socket, member: Socket, stage: string, username: string, role: 'cohost' | 'guest'): Promise<void> {
  const invite = expectOk(await studio<{ inviteId: string }>(host, 'studio:invite', { stage, username, role }));
  expectOk(await studio(member, 'studio:invite-respond', { stage, inviteId: invite.inviteId, accept: true }));
}
