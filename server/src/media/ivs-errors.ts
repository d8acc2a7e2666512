import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { ERRORS, type ErrorCode } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import type { FailureClass, IvsOperation } from './ivs-call-queue.policy';

/** What the SDK throws, as far as telling failures apart goes. */
export interface IvsSdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

/** A failure as StreamCat tells it: an error code, a sentence for the person, and whether it is worth another turn. */
export interface IvsFailure {
  code: ErrorCode;
  message: string;
  retry: FailureClass;
}

/** The resource an operation creates, for a quota sentence. */
const QUOTA_RESOURCE: Partial<Record<IvsOperation, string>> = {
  CreateStage: 'stage',
  CreateChannel: 'channel',
  CreateStreamKey: 'stream key',
  CreateParticipantToken: 'participant token',
};

type Context = { operation: IvsOperation; region: string };
type Entry = { code: ErrorCode; retry: FailureClass; sentence?: (ctx: Context) => string };

/**
 * Every exception the two IVS SDK clients declare (and the names AWS answers with outside
 * them), mapped to what the user hears. The spec checks each exception class the installed
 * SDKs export is listed here.
 */
export const IVS_ERROR_TABLE: Record<string, Entry> = {
  ThrottlingException: { code: 'media/throttled', retry: 'throttled' },
  ServiceQuotaExceededException: {
    code: 'media/quota-exceeded',
    retry: 'final',
    sentence: ({ operation, region }) =>
      `StreamCat has reached its Amazon IVS ${QUOTA_RESOURCE[operation] ?? 'resource'} quota in ${region}; ask the operator to raise it.`,
  },
  PendingVerification: { code: 'media/pending-verification', retry: 'final' },
  AccessDeniedException: { code: 'media/access-denied', retry: 'final' },
  ValidationException: {
    code: 'media/provider-rejected',
    retry: 'final',
    sentence: ({ operation }) => `Amazon IVS refused StreamCat's ${operation} request as invalid; please tell the operator.`,
  },
  ResourceNotFoundException: {
    code: 'media/provider-rejected',
    retry: 'final',
    sentence: ({ operation }) => `Amazon IVS no longer has what StreamCat's ${operation} request names (it may have been deleted).`,
  },
  ConflictException: { code: 'media/conflict', retry: 'final' },
  ChannelNotBroadcasting: { code: 'media/provider-rejected', retry: 'final', sentence: () => 'The channel is not broadcasting.' },
  StreamUnavailable: { code: 'media/stream-unavailable', retry: 'transient' },
  ServiceUnavailable: { code: 'media/provider-unavailable', retry: 'transient' },
  InternalServerException: { code: 'media/provider-unavailable', retry: 'transient' },
  // Signing and credentials: the operator's configuration, never fixed by trying again.
  UnrecognizedClientException: { code: 'media/access-denied', retry: 'final' },
  InvalidSignatureException: { code: 'media/access-denied', retry: 'final' },
  IncompleteSignatureException: { code: 'media/access-denied', retry: 'final' },
  MissingAuthenticationTokenException: { code: 'media/access-denied', retry: 'final' },
  ExpiredTokenException: { code: 'media/access-denied', retry: 'final' },
  CredentialsProviderError: {
    code: 'media/access-denied',
    retry: 'final',
    sentence: () => 'StreamCat has no AWS credentials to call Amazon IVS with; ask the operator.',
  },
};

/**
 * What a failed IVS call means. Rate refusals and network failures are recognised the way
 * the SDK's own retry strategy does (`@smithy/core/retry`), whatever their exact name.
 */
export function classifyIvsError(err: IvsSdkError, ctx: Context): IvsFailure {
  const known = err.name ? IVS_ERROR_TABLE[err.name] : undefined;
  if (known) return { code: known.code, retry: known.retry, message: known.sentence?.(ctx) ?? defaultSentence(known.code) };
  const sdkError = { ...err, name: err.name ?? 'Error', message: err.message ?? '', $metadata: err.$metadata ?? {} };
  if (isThrottlingError(sdkError as never))
    return { code: 'media/throttled', retry: 'throttled', message: defaultSentence('media/throttled') };
  const status = err.$metadata?.httpStatusCode;
  if (isTransientError(sdkError as never) || status === undefined || status >= 500)
    return { code: 'media/provider-unavailable', retry: 'transient', message: defaultSentence('media/provider-unavailable') };
  return {
    code: 'media/provider-rejected',
    retry: 'final',
    message: `Amazon IVS refused StreamCat's ${ctx.operation} request (${err.name ?? `HTTP ${status}`}).`,
  };
}

/** Codes without a sentence of their own in the table read the protocol's. */
function defaultSentence(code: ErrorCode): string {
  return ERRORS[code].message;
}

/** An IVS call that failed: the code and sentence of the table, and AWS's own exception name (to recognise e.g. a stage deleted behind our back). */
export class IvsCallError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly awsName: string | undefined,
  ) {
    super(code, message);
  }
}
