import { Injectable, NestMiddleware } from '@nestjs/common';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { validationError } from './ivs-api.errors';
import { sendIvsError } from './ivs-api-error.filter';

/** Same ceiling the host app's JSON parser uses; IVS requests are a few hundred bytes. */
export const IVS_MAX_BODY_BYTES = 64 * 1024;

/**
 * Parses the body when no app-level parser did (the host may run without one, or the client
 * may omit `content-type: application/json`), so handlers always see an object or undefined.
 */
@Injectable()
export class IvsJsonBodyMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const alreadyParsed = (req as Request & { _body?: boolean })._body === true || req.body !== undefined;
    if (alreadyParsed || req.readableEnded) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > IVS_MAX_BODY_BYTES && !failed) {
        failed = true;
        sendIvsError(res, validationError(`body: request body exceeds ${IVS_MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      if (!failed) chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return next();
      try {
        req.body = JSON.parse(text);
      } catch {
        sendIvsError(res, validationError('body: request body is not valid JSON'));
        return;
      }
      next();
    });
    req.on('error', (err) => next(err));
  }
}

/**
 * Express error layer for `/_ivs`: an app-level JSON parser fails before routing, so Nest's
 * controller-scoped filters never see it. Mounted only on `/_ivs`, it leaves the host's own
 * error handling for every other path untouched.
 */
export const ivsBodyParseErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  const e = err as { type?: string; status?: number };
  if (res.headersSent) return next(err);
  if (e.type === 'entity.parse.failed') return sendIvsError(res, validationError('body: request body is not valid JSON'));
  if (e.type === 'entity.too.large') return sendIvsError(res, validationError(`body: request body exceeds the server's size limit`));
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return sendIvsError(res, validationError(`body: ${(err as Error).message}`));
  next(err);
};
