import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { IVS_EMULATOR_CLOCK, IVS_EMULATOR_OPTIONS, IvsEmulatorClock, IvsEmulatorOptions } from '../ivs-emulator.options';
import { IvsApiError, validationError } from './ivs-api.errors';
import { sendIvsError } from './ivs-api-error.filter';
import { bodyAlreadyConsumed, IVS_MAX_BODY_BYTES, parseJsonBody, readRawBody } from './ivs-json-body.middleware';
import { checkCredentialScope, parseAuthorization, SIGNATURE_ERROR_STATUS, SignatureRefusal, verifySignature } from './request-signature';

/** Writes a refusal the way AWS's front does: 403, `x-amzn-ErrorType`, `{"message"}`. */
function sendRefusal(res: Response, refusal: SignatureRefusal): void {
  res.status(SIGNATURE_ERROR_STATUS).setHeader('x-amzn-ErrorType', refusal.errorType);
  res.json({ message: refusal.message });
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Every control-plane request passes here first, as at AWS: the SigV4 signature is checked
 * (key, scope, time, then the signature over the exact body bytes) before the body is parsed or
 * any handler runs. A refused request changes nothing.
 */
@Injectable()
export class IvsSignedRequestMiddleware implements NestMiddleware {
  private readonly logger = new Logger('IvsEmulator');

  constructor(
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_CLOCK) private readonly clock: IvsEmulatorClock,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    void this.check(req, res).then(
      (ok) => ok && next(),
      (err: unknown) => next(err),
    );
  }

  private async check(req: Request, res: Response): Promise<boolean> {
    const amzDate = single(req.headers['x-amz-date']);
    const auth = parseAuthorization(single(req.headers.authorization), amzDate);
    if ('errorType' in auth) return this.refuse(req, res, auth);
    const scope = checkCredentialScope(
      auth,
      { amzDate: amzDate!, securityToken: single(req.headers['x-amz-security-token']) },
      { region: this.options.region, accessKeyId: this.options.credentials.accessKeyId },
      this.clock(),
    );
    if ('errorType' in scope) return this.refuse(req, res, scope);

    if (bodyAlreadyConsumed(req)) {
      this.logger.error('A body parser before the IVS emulator consumed a /_ivs request body: keep app-level parsers off /_ivs.');
      sendIvsError(
        res,
        new IvsApiError('InternalServerException', 'The request body was consumed before its signature could be verified.'),
      );
      return false;
    }
    const body = await readRawBody(req, IVS_MAX_BODY_BYTES);
    if (body === 'too-large') {
      sendIvsError(res, validationError(`body: request body exceeds ${IVS_MAX_BODY_BYTES} bytes`));
      return false;
    }
    const refusal = await verifySignature(
      { method: req.method, url: req.originalUrl, headers: req.headersDistinct, body },
      auth,
      scope.signingDate,
      this.options.region,
      this.options.credentials,
    );
    if (refusal) return this.refuse(req, res, refusal);
    try {
      req.body = parseJsonBody(body);
    } catch (err) {
      sendIvsError(res, err as IvsApiError);
      return false;
    }
    return true;
  }

  private refuse(req: Request, res: Response, refusal: SignatureRefusal): false {
    // Debug only: anyone can send unsigned requests, and logs must not be theirs to fill.
    this.logger.debug(`refused ${req.method} ${req.path}: ${refusal.errorType}`);
    sendRefusal(res, refusal);
    return false;
  }
}
