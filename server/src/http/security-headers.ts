import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/config';

export type SecurityHeadersConfig = Pick<AppConfig, 'publicUrl' | 'recordingsBaseUrl' | 'mediaProvider'> &
  Partial<Pick<AppConfig, 'ivsEmulator'>>;

/** Amazon IVS playback, stage and ingest hosts (the broadcast SDK's ingest listens on port 4443). */
const IVS_HTTPS = 'https://*.live-video.net:*';
const IVS_WSS = 'wss://*.live-video.net:*';

/**
 * The Content-Security-Policy of the app's pages: what the built Vue app loads and nothing more.
 * Its own scripts and styles only (Vite emits no inline ones); media and requests to this
 * origin and PUBLIC_URL's (HLS and stage websockets are built from it), the recordings origin,
 * a standalone emulator's origin (its HLS, stage and ingest sockets), and on AWS the IVS hosts plus WebAssembly for the IVS player; workers from blob: (hls.js,
 * the IVS SDKs); images from any https URL, because a studio background is any image URL.
 * `docs`: Swagger UI at /api/docs, which needs inline styles and data: images.
 */
export function contentSecurityPolicy(config: SecurityHeadersConfig, page: 'app' | 'docs'): Record<string, string[]> {
  const pub = new URL(config.publicUrl);
  const https = pub.protocol === 'https:';
  const wsOrigin = `${https ? 'wss' : 'ws'}://${pub.host}`;
  const emulator = config.ivsEmulator ? new URL(config.ivsEmulator.publicUrl) : undefined;
  const origins = unique([pub.origin, new URL(config.recordingsBaseUrl).origin, ...(emulator ? [emulator.origin] : [])]);
  const wsOrigins = unique([wsOrigin, ...(emulator ? [`${emulator.protocol === 'https:' ? 'wss' : 'ws'}://${emulator.host}`] : [])]);
  const aws = config.mediaProvider === 'aws';
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    'script-src': ["'self'", ...(aws ? ["'wasm-unsafe-eval'"] : [])],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'https:', ...(https ? [] : ['http:'])],
    'font-src': ["'self'"],
    'media-src': ["'self'", 'blob:', ...origins, ...(aws ? [IVS_HTTPS] : [])],
    'connect-src': ["'self'", ...unique([...origins, ...wsOrigins]), ...(aws ? [IVS_HTTPS, IVS_WSS] : [])],
    'worker-src': ["'self'", 'blob:'],
  };
  if (https) directives['upgrade-insecure-requests'] = [];
  if (page === 'docs') {
    directives['style-src'] = ["'self'", "'unsafe-inline'"];
    directives['img-src'] = ["'self'", 'data:'];
  }
  return directives;
}

/** HSTS only when the public URL is https: on plain http it would lock browsers out of a local server. */
export function securityHeaders(config: SecurityHeadersConfig): RequestHandler {
  const base = {
    strictTransportSecurity: new URL(config.publicUrl).protocol === 'https:' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // Invite codes travel in page URLs: never hand them to another site.
    referrerPolicy: { policy: 'no-referrer' as const },
    xFrameOptions: { action: 'deny' as const },
  };
  const app = helmet({ ...base, contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config, 'app') } });
  const docs = helmet({ ...base, contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config, 'docs') } });
  return (req: Request, res: Response, next: NextFunction) => (/^\/api\/docs(\/|$)/.test(req.path) ? docs : app)(req, res, next);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
