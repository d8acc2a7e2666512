import type { ErrorRequestHandler, Request } from 'express';
import { validationError } from './ivs-api.errors';
import { sendIvsError } from './ivs-api-error.filter';

/** IVS requests are a few hundred bytes; the host app caps its own JSON bodies the same way. */
export const IVS_MAX_BODY_BYTES = 64 * 1024;

/** True when something before the emulator (a host body parser) already consumed the body. */
export function bodyAlreadyConsumed(req: Request): boolean {
  return (req as Request & { _body?: boolean })._body === true || req.body !== undefined || req.readableEnded;
}

/**
 * The exact request bytes (the signature covers them), or 'too-large' once more than `limit`
 * arrived; the rest is then drained without being kept.
 */
export function readRawBody(req: Request, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => !over && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Handlers see an object, or undefined for an empty body (some clients send none); the body is
 * read as JSON whatever its content type, as IVS does. Throws ValidationException otherwise.
 */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw validationError('body: request body is not valid JSON');
  }
}

/**
 * Express error layer for `/_ivs`: should a host app run its own parser there anyway, its
 * failures still leave in IVS's error format (Nest's controller filters never see them).
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
