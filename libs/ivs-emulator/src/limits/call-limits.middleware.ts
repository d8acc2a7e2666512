import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { IvsApiError } from '../aws-protocol/ivs-api.errors';
import { sendIvsError } from '../aws-protocol/ivs-api-error.filter';
import { IVS_EMULATOR_CLOCK, IVS_EMULATOR_OPTIONS, IvsEmulatorClock, IvsEmulatorOptions } from '../ivs-emulator.options';
import { admitCall, Refusal } from './emulator-admission';
import { EmulatorLimits, IVS_OPERATION_RATES, isIvsOperation, IvsOperationName } from './emulator-limits';
import type { TokenBucket } from './token-bucket';

export const IVS_EMULATOR_LIMITS = Symbol('IVS_EMULATOR_LIMITS');

/**
 * The account's call budgets, one token bucket per operation. Kept in this process: two server
 * replicas in local mode each allow the full rate (AWS counts per account and region).
 */
@Injectable()
export class CallBudgets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_CLOCK) private readonly clock: IvsEmulatorClock,
  ) {}

  /** Spends one call of `operation`; the refusal to answer instead, if any. */
  admit(operation: IvsOperationName): Refusal | null {
    const key = `${this.options.accountId}/${operation}`;
    const decision = admitCall({ operation, limits: this.limits, bucket: this.buckets.get(key), now: this.clock().getTime() });
    this.buckets.set(key, decision.bucket);
    return decision.refusal;
  }
}

/** `/_ivs/realtime/CreateStage` → `CreateStage`; undefined for paths that name no implemented operation of that API. */
export function operationOfPath(url: string): IvsOperationName | undefined {
  const m = /^\/_ivs\/(channels|realtime)\/([A-Za-z]+)\/?(?:\?.*)?$/.exec(url);
  const name = m?.[2] ?? '';
  return isIvsOperation(name) && IVS_OPERATION_RATES[name].api === m?.[1] ? name : undefined;
}

/**
 * Runs after the signature check, before the body is validated: a call over its operation's rate
 * gets ThrottlingException (429), a change while the account awaits verification
 * PendingVerification (403), as at AWS. Unknown paths pass through to NotImplemented.
 */
@Injectable()
export class IvsCallLimitsMiddleware implements NestMiddleware {
  constructor(private readonly budgets: CallBudgets) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const operation = operationOfPath(req.originalUrl);
    const refusal = operation ? this.budgets.admit(operation) : null;
    if (refusal) return sendIvsError(res, new IvsApiError(refusal.errorName, refusal.message));
    next();
  }
}
