import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  checkCredentialScope,
  MISSING_TOKEN,
  parseAmzDate,
  parseAuthorization,
  ParsedAuthorization,
  ReceivedRequest,
  SIGNATURE_MISMATCH,
  verifySignature,
} from './request-signature';

const credentials = { accessKeyId: 'AKIAEMULATOR0000TEST', secretAccessKey: 'emulator-secret-for-specs' };
const region = 'eu-west-1';
const now = new Date('2026-12-03T10:00:00Z');

/** Signs like the SDK does, then returns what the server would receive. */
async function signed(
  input: { path?: string; query?: Record<string, string | string[]>; body?: string; headers?: Record<string, string> } = {},
  opts: { date?: Date; creds?: typeof credentials; region?: string; service?: string } = {},
): Promise<{ received: ReceivedRequest; authorization: string; amzDate: string }> {
  const signer = new SignatureV4({
    credentials: opts.creds ?? credentials,
    region: opts.region ?? region,
    service: opts.service ?? 'ivs',
    sha256: Sha256,
  });
  const body = input.body ?? '{"name":"a b"}';
  const path = input.path ?? '/_ivs/realtime/CreateStage';
  const out = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3000,
      path,
      query: input.query,
      headers: { host: '127.0.0.1:3000', 'content-type': 'application/json', ...input.headers },
      body,
    },
    { signingDate: opts.date ?? now },
  );
  const qs = Object.entries(input.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))
    .join('&');
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = [String(v)];
  return {
    received: { method: 'POST', url: qs ? `${path}?${qs}` : path, headers, body: Buffer.from(body) },
    authorization: String(out.headers.authorization),
    amzDate: String(out.headers['x-amz-date']),
  };
}

async function verify(s: Awaited<ReturnType<typeof signed>>, at = now) {
  const auth = parseAuthorization(s.authorization, s.amzDate);
  if (!('accessKeyId' in auth)) return auth;
  const scope = checkCredentialScope(auth, { amzDate: s.amzDate }, { region, accessKeyId: credentials.accessKeyId }, at);
  if (!('ok' in scope)) return scope;
  return verifySignature(s.received, auth, scope.signingDate, region, credentials);
}

describe('parseAuthorization', () => {
  it('treats a missing header as an unsigned request', () => {
    expect(parseAuthorization(undefined, undefined)).toBe(MISSING_TOKEN);
    expect(parseAuthorization('  ', '20261203T100000Z')).toBe(MISSING_TOKEN);
  });

  it('names every missing part of a header that is not AWS4-HMAC-SHA256', () => {
    const r = parseAuthorization('Bearer abc', undefined);
    expect(r).toMatchObject({ errorType: 'IncompleteSignatureException' });
    const message = (r as { message: string }).message;
    for (const part of ["'Credential'", "'Signature'", "'SignedHeaders'", "'X-Amz-Date'"]) expect(message).toContain(part);
  });

  it('requires host and x-amz-date among the signed headers', () => {
    const header = (signedHeaders: string) =>
      `AWS4-HMAC-SHA256 Credential=AKID/20261203/eu-west-1/ivs/aws4_request, SignedHeaders=${signedHeaders}, Signature=ab`;
    expect(parseAuthorization(header('x-amz-date'), '20261203T100000Z')).toMatchObject({ message: expect.stringContaining("'Host'") });
    expect(parseAuthorization(header('host'), '20261203T100000Z')).toMatchObject({ message: expect.stringContaining("'X-Amz-Date'") });
    expect(parseAuthorization(header('host;x-amz-date'), '20261203T100000Z')).toMatchObject({
      accessKeyId: 'AKID',
      scope: { date: '20261203', region: 'eu-west-1', service: 'ivs', terminator: 'aws4_request' },
      signedHeaders: ['host', 'x-amz-date'],
    });
  });

  it('reads only exact ISO basic dates', () => {
    expect(parseAmzDate('20261203T100000Z')?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(parseAmzDate('2026-12-03T10:00:00Z')).toBeUndefined();
    expect(parseAmzDate('20261203T100000')).toBeUndefined();
  });
});

describe('checkCredentialScope', () => {
  const auth = (over: Partial<ParsedAuthorization['scope']> = {}, accessKeyId = credentials.accessKeyId): ParsedAuthorization => ({
    accessKeyId,
    scope: { date: '20261203', region, service: 'ivs', terminator: 'aws4_request', ...over },
    signedHeaders: ['host', 'x-amz-date'],
    signature: '00',
  });
  const check = (a: ParsedAuthorization, amzDate = '20261203T100000Z', at = now, securityToken?: string) =>
    checkCredentialScope(a, { amzDate, securityToken }, { region, accessKeyId: credentials.accessKeyId }, at);

  it('accepts our key, region and service within five minutes either way', () => {
    expect(check(auth(), '20261203T095500Z')).toMatchObject({ ok: true });
    expect(check(auth(), '20261203T100500Z')).toMatchObject({ ok: true });
  });

  it('refuses a request time beyond the skew, with the times AWS prints', () => {
    expect(check(auth(), '20261203T095459Z')).toEqual({
      errorType: 'InvalidSignatureException',
      message: 'Signature expired: 20261203T095459Z is now earlier than 20261203T095500Z (20261203T100000Z - 5 min.)',
    });
    expect(check(auth(), '20261203T100501Z')).toEqual({
      errorType: 'InvalidSignatureException',
      message: 'Signature not yet current: 20261203T100501Z is still later than 20261203T100500Z (20261203T100000Z + 5 min.)',
    });
  });

  it('refuses another region, another service, a bad terminator or a scope date that is not the request date', () => {
    expect(check(auth({ region: 'us-east-1' }))).toMatchObject({
      errorType: 'InvalidSignatureException',
      message: expect.stringMatching(/region/),
    });
    expect(check(auth({ service: 'lambda' }))).toMatchObject({ message: expect.stringContaining("service: 'ivs'") });
    expect(check(auth({ terminator: 'aws5_request' }))).toMatchObject({ errorType: 'InvalidSignatureException' });
    expect(check(auth({ date: '20261202' }))).toMatchObject({ message: expect.stringMatching(/^Date in Credential scope/) });
  });

  it('refuses a key it does not know, and temporary credentials it never issued', () => {
    expect(check(auth({}, 'AKIASOMEONEELSE00000'))).toMatchObject({ errorType: 'UnrecognizedClientException' });
    expect(check(auth(), undefined, undefined, 'session-token')).toMatchObject({ errorType: 'UnrecognizedClientException' });
  });
});

describe('verifySignature (the SDK signer on both sides)', () => {
  it('accepts what the signer produced, query and encoded path included', async () => {
    expect(await verify(await signed())).toBeNull();
    expect(
      await verify(
        await signed({
          path: '/_ivs/channels/tags/arn%3Aaws%3Aivs%3Aeu-west-1%3A123456789012%3Achannel%2Fabc',
          query: { tagKeys: ['b', 'a c'] },
          body: '',
        }),
      ),
    ).toBeNull();
  });

  it('refuses a body, path, query or signed header changed after signing', async () => {
    const s = await signed();
    expect(await verify({ ...s, received: { ...s.received, body: Buffer.from('{"name":"a c"}') } })).toBe(SIGNATURE_MISMATCH);
    expect(await verify({ ...s, received: { ...s.received, url: '/_ivs/realtime/DeleteStage' } })).toBe(SIGNATURE_MISMATCH);
    expect(await verify({ ...s, received: { ...s.received, url: `${s.received.url}?x=1` } })).toBe(SIGNATURE_MISMATCH);
    expect(await verify({ ...s, received: { ...s.received, headers: { ...s.received.headers, host: ['127.0.0.1:3001'] } } })).toBe(
      SIGNATURE_MISMATCH,
    );
  });

  it('does not let x-amz-content-sha256 stand in for the body it describes', async () => {
    const s = await signed({ body: '{}' }, {});
    const tampered = { ...s, received: { ...s.received, body: Buffer.from('{"evil":true}') } };
    expect(tampered.received.headers['x-amz-content-sha256']).toBeDefined();
    expect(await verify(tampered)).toBe(SIGNATURE_MISMATCH);
  });

  it('refuses a signature made with another secret', async () => {
    expect(await verify(await signed({}, { creds: { ...credentials, secretAccessKey: 'guessed' } }))).toBe(SIGNATURE_MISMATCH);
  });

  it('tolerates header whitespace the way SigV4 canonicalises it', async () => {
    const s = await signed({ headers: { 'x-custom': 'a  b' } });
    const spaced = { ...s, received: { ...s.received, headers: { ...s.received.headers, 'x-custom': ['a b'] } } };
    expect(await verify(spaced)).toBeNull();
  });
});
