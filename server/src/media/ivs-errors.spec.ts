import * as ivs from '@aws-sdk/client-ivs';
import * as realtime from '@aws-sdk/client-ivs-realtime';
import { ERRORS } from '@streamcat/protocol';
import { classifyIvsError, IVS_ERROR_TABLE } from './ivs-errors';

const ctx = { operation: 'CreateStage' as const, region: 'eu-west-1' };

/** The exception classes an SDK package exports (every class extending its ServiceException). */
function exceptionNames(pkg: Record<string, unknown>, base: unknown): string[] {
  return Object.entries(pkg)
    .filter(([, v]) => typeof v === 'function' && v !== base && (v as { prototype: unknown }).prototype instanceof (base as never))
    .map(([name]) => name);
}

describe('IVS error table', () => {
  it('lists every exception the installed IVS SDK clients declare', () => {
    const declared = [
      ...exceptionNames(ivs as never, ivs.IvsServiceException),
      ...exceptionNames(realtime as never, realtime.IVSRealTimeServiceException),
    ];
    expect(declared.length).toBeGreaterThanOrEqual(15);
    expect(declared.filter((name) => !(name in IVS_ERROR_TABLE))).toEqual([]);
  });

  it('uses only codes the protocol lists', () => {
    for (const entry of Object.values(IVS_ERROR_TABLE)) expect(ERRORS[entry.code]).toBeDefined();
  });

  it('names the exhausted quota and the region', () => {
    expect(classifyIvsError({ name: 'ServiceQuotaExceededException', $metadata: { httpStatusCode: 402 } }, ctx)).toEqual({
      code: 'media/quota-exceeded',
      retry: 'final',
      message: 'StreamCat has reached its Amazon IVS stage quota in eu-west-1; ask the operator to raise it.',
    });
    expect(classifyIvsError({ name: 'ServiceQuotaExceededException' }, { operation: 'CreateChannel', region: 'us-east-1' }).message).toBe(
      'StreamCat has reached its Amazon IVS channel quota in us-east-1; ask the operator to raise it.',
    );
  });

  it('tells an account awaiting verification apart from a quota', () => {
    const f = classifyIvsError({ name: 'PendingVerification', $metadata: { httpStatusCode: 403 } }, ctx);
    expect(f).toEqual({
      code: 'media/pending-verification',
      retry: 'final',
      message: 'The AWS account behind StreamCat is awaiting verification by Amazon; ask the operator.',
    });
  });

  it('retries rate refusals whatever AWS calls them', () => {
    expect(classifyIvsError({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }, ctx).retry).toBe('throttled');
    expect(classifyIvsError({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }, ctx)).toMatchObject({
      code: 'media/throttled',
      retry: 'throttled',
    });
    expect(classifyIvsError({ name: 'SomethingElse', $metadata: { httpStatusCode: 429 } }, ctx).retry).toBe('throttled');
  });

  it('treats network failures, timeouts and 5xx as transient, and says the service is unreachable', () => {
    for (const err of [
      { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
      { name: 'TimeoutError', message: 'socket timed out' },
      { name: 'InternalServerException', $metadata: { httpStatusCode: 500 } },
      { name: 'UnknownFault', $metadata: { httpStatusCode: 502 } },
    ])
      expect(classifyIvsError(err, ctx)).toMatchObject({ code: 'media/provider-unavailable', retry: 'transient' });
  });

  it('never retries what the operator must fix', () => {
    for (const name of ['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'CredentialsProviderError'])
      expect(classifyIvsError({ name, $metadata: { httpStatusCode: 403 } }, ctx)).toMatchObject({
        code: 'media/access-denied',
        retry: 'final',
      });
    expect(classifyIvsError({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, ctx)).toEqual({
      code: 'media/provider-rejected',
      retry: 'final',
      message: "Amazon IVS refused StreamCat's CreateStage request as invalid; please tell the operator.",
    });
  });

  it('names an unknown 4xx refusal by its exception name', () => {
    expect(classifyIvsError({ name: 'BrandNewException', $metadata: { httpStatusCode: 418 } }, ctx)).toEqual({
      code: 'media/provider-rejected',
      retry: 'final',
      message: "Amazon IVS refused StreamCat's CreateStage request (BrandNewException).",
    });
  });
});
