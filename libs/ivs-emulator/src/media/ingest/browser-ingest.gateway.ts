import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  INGEST_CLOSE as CLOSE,
  INGEST_MAX_MESSAGE_BEFORE_LIVE,
  INGEST_MAX_MESSAGE_LIVE,
  INGEST_SOCKET_PATH,
  IngestServerMessage,
  parseIngestClientMessage,
} from '@streamcat/protocol';
import { WebSocket } from 'ws';
import { MediaUpgrades, raiseMessageLimit } from '../media-upgrades';
import { ChannelIngestService, IngestSession } from './channel-ingest.service';

const START_TIMEOUT_MS = 10_000;

/**
 * Browser programme ingest: `{t:'start', streamKey, mimeType}` as the first (text) frame,
 * then WebM chunks (binary frames) from MediaRecorder, `{t:'stop'}` to end cleanly.
 * When ffmpeg falls behind, the socket stops reading (TCP back-pressure reaches the browser).
 * A socket that closes without `stop` (the studio page reloading) leaves the stream waiting
 * for the page to come back (the ingest's reconnect grace), rather than ending the show.
 */
@Injectable()
export class BrowserIngestGateway implements OnModuleInit {
  constructor(
    private readonly upgrades: MediaUpgrades,
    private readonly ingest: ChannelIngestService,
  ) {}

  onModuleInit(): void {
    this.upgrades.register(INGEST_SOCKET_PATH, (ws) => this.accept(ws), INGEST_MAX_MESSAGE_BEFORE_LIVE);
  }

  private accept(ws: WebSocket): void {
    let session: IngestSession | undefined;
    let starting = false;
    const startTimer = setTimeout(() => ws.close(CLOSE.refused, 'start timeout'), START_TIMEOUT_MS);
    const send = (m: IngestServerMessage) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
    // A paused socket cannot read the peer's close reply, so the handshake would hang for 30 s.
    const hangUp = (code: number, reason: string) => {
      ws.resume();
      ws.close(code, reason);
    };
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (isBinary) {
        // Media before a start message is a peer that skipped the credential check.
        if (!starting) {
          send({ t: 'error', code: 'BAD_MESSAGE', message: 'Expected {t:"start", streamKey, mimeType} first.' });
          ws.close(CLOSE.refused, 'start first');
          return;
        }
        if (!session || session.isEnded) return;
        if (!session.write(bytes)) {
          ws.pause();
          session.onDrain(() => ws.resume());
        }
        return;
      }
      const message = parseIngestClientMessage(bytes.toString());
      if (message?.t === 'stop') {
        void session?.end('ENDED');
        return;
      }
      if (message?.t !== 'start' || starting) {
        send({ t: 'error', code: 'BAD_MESSAGE', message: 'Expected {t:"start", streamKey, mimeType} first.' });
        ws.close(CLOSE.refused, 'bad message');
        return;
      }
      starting = true;
      clearTimeout(startTimer);
      // Binary frames that arrive while we start are buffered by pausing the socket.
      ws.pause();
      void this.ingest
        .start(message.streamKey, {
          input: 'webm',
          videoIsH264: /h264|avc1/i.test(message.mimeType),
          resumeOnly: message.resume === true,
          onEnded: (reason) => {
            send({ t: 'ended', reason });
            hangUp(CLOSE.ended, reason);
          },
        })
        .then((r) => {
          if (!r.ok) {
            send({ t: 'error', code: r.code, message: r.message });
            hangUp(r.code === 'INGEST_UNAVAILABLE' ? CLOSE.unavailable : CLOSE.refused, r.code);
            return;
          }
          session = r.session;
          if (ws.readyState !== WebSocket.OPEN) {
            session.drop();
            return;
          }
          // The key is good: only now may the socket carry programme-sized chunks.
          raiseMessageLimit(ws, INGEST_MAX_MESSAGE_LIVE);
          send({ t: 'live', streamId: session.streamId });
          ws.resume();
        })
        .catch(() => {
          send({ t: 'error', code: 'INGEST_FAILED', message: 'The ingest could not start.' });
          hangUp(CLOSE.unavailable, 'failed');
        });
    });
    ws.on('close', () => {
      clearTimeout(startTimer);
      // After a stop the stream has ended already; otherwise the page went without saying so.
      session?.drop();
    });
    ws.on('error', () => undefined);
  }
}
