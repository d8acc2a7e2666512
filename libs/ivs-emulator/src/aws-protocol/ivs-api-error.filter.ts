import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { IvsApiError, IvsErrorName } from './ivs-api.errors';

/** Writes an IvsApiError the way IVS does: status, `x-amzn-ErrorType`, JSON message body. */
export function sendIvsError(res: Response, error: IvsApiError): void {
  res.status(error.status).setHeader('x-amzn-ErrorType', error.errorName);
  res.json(error.toBody());
}

/**
 * Scoped to the emulator's controllers: every failure leaves as an AWS-shaped error the SDK
 * can deserialize, and nothing unexpected escapes as Nest's own error format.
 */
@Catch()
export class IvsApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('IvsEmulator');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    sendIvsError(res, this.toIvsError(exception));
  }

  private toIvsError(exception: unknown): IvsApiError {
    if (exception instanceof IvsApiError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const name: IvsErrorName =
        status === 404 ? 'ResourceNotFoundException' : status < 500 ? 'ValidationException' : 'InternalServerException';
      return new IvsApiError(name, exception.message);
    }
    this.logger.error('Unexpected error in IVS emulator request', exception instanceof Error ? exception.stack : String(exception));
    return new IvsApiError('InternalServerException', 'Unexpected error in the IVS emulator.');
  }
}
