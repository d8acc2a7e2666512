import type { IvsErrorName } from '../aws-protocol/ivs-api.errors';
import { EmulatorLimits, IVS_QUOTAS, IvsOperationName, QuotaName } from './emulator-limits';
import { takeToken, TokenBucket } from './token-bucket';

/**
 * The operations (among those the emulator implements) whose SDK models list PendingVerification:
 * `@throws {@link PendingVerification}` in @aws-sdk/client-ivs 3.1136 and client-ivs-realtime
 * 3.1058 (checked by test/sdk-model.e2e-spec.ts). Reads never answer it.
 */
export const PENDING_VERIFICATION_OPERATIONS: ReadonlySet<IvsOperationName> = new Set<IvsOperationName>([
  'CreateChannel',
  'DeleteChannel',
  'CreateStreamKey',
  'DeleteStreamKey',
  'CreateStage',
  'DeleteStage',
  'UpdateStage',
  'CreateParticipantToken',
  'DisconnectParticipant',
  'StartComposition',
  'CreateEncoderConfiguration',
  'CreateStorageConfiguration',
]);

/** Texts of the SDK models' documentation for these errors, which is what AWS answers. */
export const THROTTLED_MESSAGE = 'Request was denied due to request throttling.';
export const PENDING_VERIFICATION_MESSAGE = 'Your account is pending verification.';
export const QUOTA_EXCEEDED_MESSAGE = 'Request would cause a service quota to be exceeded.';

export interface Refusal {
  errorName: IvsErrorName;
  message: string;
}

/**
 * Whether a (signed) call may reach its handler: first the operation's call rate for the account
 * (ThrottlingException), then the account's standing (PendingVerification). Returns the bucket to
 * keep; a refused call changes nothing else.
 */
export function admitCall(input: { operation: IvsOperationName; limits: EmulatorLimits; bucket: TokenBucket | undefined; now: number }): {
  bucket: TokenBucket;
  refusal: Refusal | null;
  retryAfterMs?: number;
} {
  const taken = takeToken(input.bucket, input.limits.rates[input.operation], input.now);
  if (!taken.admitted) {
    return {
      bucket: taken.bucket,
      refusal: { errorName: 'ThrottlingException', message: THROTTLED_MESSAGE },
      retryAfterMs: taken.retryAfterMs,
    };
  }
  if (input.limits.pendingVerification && PENDING_VERIFICATION_OPERATIONS.has(input.operation)) {
    return { bucket: taken.bucket, refusal: { errorName: 'PendingVerification', message: PENDING_VERIFICATION_MESSAGE } };
  }
  return { bucket: taken.bucket, refusal: null };
}

/**
 * Whether `adding` more of a counted resource fit under its quota. The message names the quota
 * after AWS's sentence, so a log says which one was hit.
 */
export function checkQuota(quota: QuotaName, limits: EmulatorLimits, inUse: number, where: { region: string }, adding = 1): Refusal | null {
  const max = limits.quotas[quota];
  if (inUse + adding <= max) return null;
  const scope = IVS_QUOTAS[quota].what.replace('in a region', `in ${where.region}`);
  return { errorName: 'ServiceQuotaExceededException', message: `${QUOTA_EXCEEDED_MESSAGE} Quota: ${max} ${scope}.` };
}
