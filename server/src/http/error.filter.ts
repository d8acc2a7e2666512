import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode } from '@streamcat/protocol';
import { AppError } from './app-error';
import { IvsQueueFullError } from '../media/ivs-call-queue';
import { RateLimitedError } from '../rate-limits/rate-limits.service';

/**
 * Turns every failure into `{error:{code, message}}`. Unknown errors are logged with
 * their stack and answered with a plain sentence: clients never see internals.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    const err = toAppError(exception);
    // Unexpected failures get their stack logged; known outages (503, 502) one line.
    if (err.code === 'server/internal') this.log.error(describe(exception));
    else if (err.status >= 500) this.log.warn(`${err.code}: ${exception instanceof Error ? exception.message : String(exception)}`);
    if (res.headersSent) return;
    if (err instanceof RateLimitedError || err instanceof IvsQueueFullError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(err.status).json(err.toBody());
  }
}

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  // body-parser errors: bad JSON, too large, wrong charset.
  const e = exception as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return new AppError('request/too-large');
  if (e?.type === 'entity.parse.failed') return new AppError('request/malformed-json');
  if (e?.type && typeof e.status === 'number' && e.status < 500)
    return new AppError('request/invalid', String((exception as Error).message));
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const byStatus: Record<number, ErrorCode> = {
      400: 'request/invalid',
      401: 'auth/unauthenticated',
      403: 'auth/forbidden',
      404: 'request/not-found',
      413: 'request/too-large',
      429: 'request/rate-limited',
    };
    const code = byStatus[status];
    if (code) return new AppError(code);
  }
  if (isDatabaseUnavailable(exception)) return new AppError('server/unavailable');
  return new AppError('server/internal');
}

/** Connection-level database failures: the caller may retry, so answer 503 rather than 500. */
export function isDatabaseUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  const code = err?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(code) ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(err?.message ?? '')
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
