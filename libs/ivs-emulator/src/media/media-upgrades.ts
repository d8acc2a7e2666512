import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';

export type WebSocketHandler = (socket: WebSocket, req: IncomingMessage) => void;

/**
 * Lets an authenticated socket send bigger messages than the route's limit for strangers.
 * ws has no public per-connection limit; its Receiver checks `_maxPayload` against each frame
 * header before reading the payload. If a ws upgrade renames it we throw: the socket then keeps
 * the small limit (fails closed) and the media tests notice.
 */
export function raiseMessageLimit(ws: WebSocket, maxPayload: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') throw new Error('ws internals changed: cannot raise the message limit');
  receiver._maxPayload = maxPayload;
}

/**
 * Routes websocket upgrades on the app's HTTP server by exact path, so the media plane's
 * sockets share the port (and proxy) with the REST API. Other paths (Socket.IO) are left alone.
 */
@Injectable()
export class MediaUpgrades implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MediaUpgrades');
  private readonly routes = new Map<string, { wss: WebSocketServer; handler: WebSocketHandler }>();
  private server?: Server;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    const route = this.routes.get(path);
    if (!route) return;
    route.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        route.handler(ws, req);
      } catch (err) {
        this.logger.error(`websocket handler for ${path} failed`, err instanceof Error ? err.stack : String(err));
        ws.close(1011, 'internal error');
      }
    });
  };

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /**
   * `maxPayload` caps one message until the handler authenticates the peer and raises it
   * (`raiseMessageLimit`); a bigger one closes the socket (1009) from its frame header.
   */
  register(path: string, handler: WebSocketHandler, maxPayload: number): void {
    this.routes.set(path, { wss: new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false }), handler });
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.onUpgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    for (const { wss } of this.routes.values()) {
      for (const client of wss.clients) client.terminate();
      wss.close();
    }
  }
}
