import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Server } from 'socket.io';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import {
  newViewerSession,
  VIEWER_SESSION_COOKIE,
  VIEWER_SESSION_MAX_AGE_SECONDS,
  verifyViewerSession,
  viewerSessionKey,
} from './viewer-session';

/** A session issued while answering this very request (its cookie is not in the request yet). */
const ISSUED = Symbol('viewer-session');
type Carrier = IncomingMessage & { [ISSUED]?: string };

/**
 * Reads and issues anonymous viewer sessions (see viewer-session.ts). The cookie is HttpOnly,
 * SameSite=Lax, path /, Secure when PUBLIC_URL is https, so the browser sends it with every
 * same-origin REST call and with the Socket.IO handshake.
 */
@Injectable()
export class ViewerSessions {
  private readonly key: Buffer;
  private readonly secure: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = viewerSessionKey(config.jwtSecret);
    this.secure = config.publicUrl.startsWith('https:');
  }

  /** The session a request (or a socket's `socket.request`) carries, or null. */
  of(req: IncomingMessage): string | null {
    const issued = (req as Carrier)[ISSUED];
    if (issued) return issued;
    const header = req.headers.cookie;
    if (!header || header.length > 8192) return null;
    return verifyViewerSession(this.key, parseCookies(header)[VIEWER_SESSION_COOKIE]);
  }

  /** The request's session, or a new one whose cookie `setCookie` adds to the response. */
  ensure(req: IncomingMessage, setCookie: (cookie: string) => void): string {
    const existing = this.of(req);
    if (existing) return existing;
    const { id, value } = newViewerSession(this.key);
    (req as Carrier)[ISSUED] = id;
    setCookie(
      serializeCookie(VIEWER_SESSION_COOKIE, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path: '/',
        maxAge: VIEWER_SESSION_MAX_AGE_SECONDS,
      }),
    );
    return id;
  }

  /**
   * A Socket.IO handshake without a session gets one in its response (the 101 of the
   * websocket upgrade), so the browser's later REST calls and reconnects carry it.
   */
  issueOnHandshake(server: Server): void {
    server.engine.on('initial_headers', (headers: OutgoingHttpHeaders, req: IncomingMessage) => {
      // A plain string: the websocket path writes each header as one `key: value` line.
      this.ensure(req, (cookie) => (headers['Set-Cookie'] ??= cookie));
    });
  }
}
