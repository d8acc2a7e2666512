import { WebSocket } from 'ws';
import { STAGE_SOCKET_PATH, type StageServerMessage } from '@streamcat/protocol';

/**
 * A participant on the local stage with no media: joins with a participant token and records
 * how the stage ends its connection (what a real-time viewer's page would see).
 */
export interface StageParticipant {
  /** Resolves with the `left` reason (or `closed:<code>` without one) once the server ends the connection. */
  readonly ended: Promise<string>;
  readonly isOpen: () => boolean;
  close(): void;
}

export async function joinStage(base: string, token: string, timeoutMs = 10_000): Promise<StageParticipant> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${STAGE_SOCKET_PATH}`);
  let leftReason: string | null = null;
  const ended = new Promise<string>((resolve) => ws.on('close', (code) => resolve(leftReason ?? `closed:${code}`)));
  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no `joined` from the stage')), timeoutMs);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as StageServerMessage;
      if (m.t === 'joined') {
        clearTimeout(timer);
        resolve();
      } else if (m.t === 'left') leftReason = m.reason;
      else if (m.t === 'error' && m.fatal) reject(new Error(`join refused: ${m.code}`));
    });
    ws.once('close', (code) => reject(new Error(`closed before joining (${code})`)));
    ws.once('error', reject);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ t: 'join', token }));
  await joined;
  return { ended, isOpen: () => ws.readyState === WebSocket.OPEN, close: () => ws.close() };
}
