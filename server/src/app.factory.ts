import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import type { AddressInfo } from 'node:net';
import { AccountsModule } from './accounts/accounts.module';
import { OrphanSweeperService } from './accounts/orphan-sweeper.service';
import { BRAND_ASSET_MAX_BYTES } from '@streamcat/protocol';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { compileTrust } from './http/client-address';
import { securityHeaders } from './http/security-headers';
import { AppError } from './http/app-error';
import { ErrorFilter, toAppError } from './http/error.filter';
import { AppLogger } from './logging/app-logger';
import { ServerAddress } from './media/server-address';
import { mediaPlaneFor } from './media/media-plane';
import { runMigrations } from './database/migrate';
import { RealtimeIoAdapter } from './realtime/realtime.adapter';
import { IvsEventsReconciliationService } from './ivs-events/ivs-events-reconciliation.service';
import { IdleStagesSweeper } from './stages/idle-stages.sweeper';
import { StageDisconnects } from './stages/stage-disconnects.service';
import { CloudProgramme } from './studio/cloud-programme.service';
import { GoLiveWatch } from './studio/go-live.watch';
import { MultistreamRelays } from './multistream/multistream-relays.service';

export interface CreateAppOptions {
  /** Extra modules (tests use this to add probes). */
  imports?: DynamicModule['imports'];
  /** Start background jobs (sweepers, reconciliation). Tests usually drive them by hand. */
  backgroundJobs?: boolean;
}

/**
 * Builds, configures and starts the HTTP server. Used by main.ts and by the integration
 * tests, so tests exercise exactly the middleware, filters and modules users get.
 */
export async function createApp(config: AppConfig & { databaseUrl: string }, options: CreateAppOptions = {}): Promise<INestApplication> {
  const plane = mediaPlaneFor(config);
  await runMigrations(config.databaseUrl, plane.migrations);
  const app = await NestFactory.create(AppModule.forRoot(config, [...plane.imports, ...(options.imports ?? [])]), {
    bodyParser: false,
    logger: new AppLogger(config.logLevel),
  });
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies the operator names (TRUST_PROXY).
  http.set('trust proxy', compileTrust(config.trustProxy));
  // CSP, frame-ancestors, nosniff, referrer policy on every response; HSTS behind an https PUBLIC_URL.
  http.use(securityHeaders(config));

  // IVS event batches (up to 100 events) may reach 256 KB; every other body is capped at 64 KB.
  app.use('/api/ivs/events', express.json({ limit: '256kb', strict: false }));
  // Brand images come as the raw file (any Content-Type: the server reads the bytes to know what it is).
  app.use('/api/brand-assets', express.raw({ type: () => true, limit: BRAND_ASSET_MAX_BYTES }));
  // Not under /_ivs: the emulator checks each request's SigV4 signature over its exact body bytes, then parses it.
  const json = express.json({ limit: '64kb', strict: false });
  app.use((req: Request, res: Response, next: NextFunction) => (/^\/_ivs(\/|$)/.test(req.path) ? next() : json(req, res, next)));
  // Body-parser failures never reach Nest's filters: answer them here in the same shape.
  // The emulator (/_ivs) answers its own in IVS's error format.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err || req.path.startsWith('/_ivs/')) return next(err);
    // Told apart from other bodies: a person uploading a logo is told the image rule and its limit.
    const e = req.path.startsWith('/api/brand-assets') && isTooLarge(err) ? new AppError('brand/too-large') : toAppError(err);
    res.status(e.status).json(e.toBody());
  });
  app.useGlobalFilters(new ErrorFilter());
  app.useWebSocketAdapter(new RealtimeIoAdapter(app, config.redisUrl));

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('StreamCat API')
      .setDescription('REST surface of StreamCat. Errors are always {error:{code, message, details?}}.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });

  if (config.serveClient) serveClient(http);

  await app.listen(config.port, config.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  app.get(ServerAddress).set(port);

  if (options.backgroundJobs !== false) {
    app.select(AccountsModule).get(OrphanSweeperService).start();
    // A lost Stream End must not leave a channel live forever: check live channels at start and periodically.
    app.get(IvsEventsReconciliationService).start(config.ivsReconcileIntervalSeconds * 1000);
    // IVS stages of idle studios go back to AWS (a per-region quota); the next need makes new ones.
    app.get(IdleStagesSweeper).start();
    // Disconnects another node left half-done (it died): picked up once its claims lapse.
    app.get(StageDisconnects).start();
    // A go-live that heard no Stream Start within BROADCAST_START_TIMEOUT_SECONDS asks IVS.
    app.get(GoLiveWatch).start();
    // Failover to the cloud programme, and compositions whose events are late (cloud-programme.service).
    app.get(CloudProgramme).startWatching();
    // Relays of live channels' enabled multistream destinations, one per destination across replicas.
    app.get(MultistreamRelays).start();
  }
  return app;
}

/** The built Vue app at `/`, with history-mode fallback to index.html. */
function serveClient(http: express.Express): void {
  const dist = [resolve(__dirname, '../../../client/dist'), resolve(process.cwd(), 'client/dist')].find((d) =>
    existsSync(join(d, 'index.html')),
  );
  if (!dist) return;
  http.use(
    express.static(dist, {
      index: false,
      maxAge: '1h',
      setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  http.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || /^\/(api|_ivs|socket\.io)(\/|$)/.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dist, 'index.html'));
  });
}

function isTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'entity.too.large';
}
