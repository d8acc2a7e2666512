import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** The access key pair the emulator accepts, as the SDK's `credentials` option takes it. */
export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Signing name of both IVS APIs (channels and real-time), as in the SDK's endpoint rules. */
export const IVS_SIGNING_SERVICE = 'ivs';

/** AWS refuses a request whose `x-amz-date` is more than 5 minutes from its own clock, either way. */
export const ALLOWED_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What AWS's REST-JSON front answers for a request it cannot authenticate: always 403, the
 * name in `x-amzn-ErrorType` and `{"message"}` in the body. Names, statuses and texts as seen
 * from AWS REST-JSON services (same front as IVS):
 * - unsigned: MissingAuthenticationTokenException "Missing Authentication Token" (403 with that
 *   x-amzn-ErrorType: github.com/brain-power/Brain-Power-Amazon-Fidgetology/issues/29)
 * - malformed Authorization: IncompleteSignatureException "Authorization header requires
 *   'Credential' parameter. …" (403: github.com/aws/chalice/issues/828)
 * - unknown key: UnrecognizedClientException "The security token included in the request is
 *   invalid." (Lambda, 403: github.com/iann0036/iamlive/issues/58; Kinesis Video, 403:
 *   github.com/awslabs/amazon-kinesis-video-streams-producer-sdk-java/issues/103)
 * - bad signature: InvalidSignatureException "The request signature we calculated does not match
 *   …" (403: github.com/rpgreen/apigateway-generic-java-sdk/issues/11, aws/aws-sdk-js#168)
 * - stale / future: InvalidSignatureException "Signature expired: … is now earlier than …
 *   (… - 5 min.)" (repost.aws/knowledge-center/lambda-sdk-signature) and "Signature not yet
 *   current: … is still later than … (… + 5 min.)" (github.com/serverless/enterprise/issues/11)
 * - wrong scope: InvalidSignatureException "The credential must be scoped to a valid region."
 *   (403 through SDK v3: github.com/aws/aws-sdk-js-v3/issues/5576), "Credential should be scoped
 *   to correct service: 'batch'. " (github.com/cllunsford/aws-signing-proxy/issues/25)
 * (awsJson services such as DynamoDB answer the same names with 400; IVS is REST-JSON.)
 */
export type SignatureErrorType =
  'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException';

export interface SignatureRefusal {
  errorType: SignatureErrorType;
  message: string;
}

export const SIGNATURE_ERROR_STATUS = 403;

const refuse = (errorType: SignatureErrorType, message: string): SignatureRefusal => ({ errorType, message });

export const MISSING_TOKEN = refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
export const UNKNOWN_KEY = refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
export const SIGNATURE_MISMATCH = refuse(
  'InvalidSignatureException',
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
);

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  scope: { date: string; region: string; service: string; terminator: string };
  signedHeaders: string[];
  signature: string;
}

/**
 * Reads the Authorization header. Anything that is not a complete AWS4-HMAC-SHA256 header is
 * refused the way AWS does, naming each missing part.
 */
export function parseAuthorization(header: string | undefined, amzDate: string | undefined): ParsedAuthorization | SignatureRefusal {
  if (header === undefined || header.trim() === '') return MISSING_TOKEN;
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  const params = new Map<string, string>();
  for (const part of (match?.[1] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const problems: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(name)) problems.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!amzDate || !parseAmzDate(amzDate))
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (problems.length) return refuse('IncompleteSignatureException', `${problems.join(' ')} Authorization=${header}`);

  const credential = params.get('Credential')!.split('/');
  if (credential.length !== 5 || credential.some((c) => c === '')) {
    return refuse(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${params.get('Credential')}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) {
    return refuse('IncompleteSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!signedHeaders.includes('x-amz-date')) {
    return refuse('IncompleteSignatureException', "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return { accessKeyId, scope: { date, region, service, terminator }, signedHeaders, signature: params.get('Signature')! };
}

/** `20260101T120000Z` → Date, or undefined when it is not that exact shape. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const amzDate = (d: Date) =>
  d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

/**
 * Checks everything that does not need the body: scope (region, service, date), the key, and the
 * request time against `now` (±5 minutes). Returns the date the signature must be computed for.
 */
export function checkCredentialScope(
  auth: ParsedAuthorization,
  request: { amzDate: string; securityToken?: string },
  expected: { region: string; accessKeyId: string },
  now: Date,
): { ok: true; signingDate: Date } | SignatureRefusal {
  const { scope } = auth;
  const amzDateHeader = request.amzDate;
  if (scope.terminator !== 'aws4_request') {
    return refuse(
      'InvalidSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${scope.terminator}'.`,
    );
  }
  if (scope.service !== IVS_SIGNING_SERVICE) {
    return refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${IVS_SIGNING_SERVICE}'. `);
  }
  if (scope.region !== expected.region) return refuse('InvalidSignatureException', 'The credential must be scoped to a valid region.');
  // Our key is long-term: a session token means credentials we never issued.
  if (auth.accessKeyId !== expected.accessKeyId || request.securityToken !== undefined) return UNKNOWN_KEY;
  const signingDate = parseAmzDate(amzDateHeader)!;
  const skew = signingDate.getTime() - now.getTime();
  if (skew < -ALLOWED_CLOCK_SKEW_MS) {
    const limit = new Date(now.getTime() - ALLOWED_CLOCK_SKEW_MS);
    return refuse(
      'InvalidSignatureException',
      `Signature expired: ${amzDateHeader} is now earlier than ${amzDate(limit)} (${amzDate(now)} - 5 min.)`,
    );
  }
  if (skew > ALLOWED_CLOCK_SKEW_MS) {
    const limit = new Date(now.getTime() + ALLOWED_CLOCK_SKEW_MS);
    return refuse(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDateHeader} is still later than ${amzDate(limit)} (${amzDate(now)} + 5 min.)`,
    );
  }
  if (scope.date !== amzDateHeader.slice(0, 8)) {
    return refuse(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDateHeader.slice(0, 8)}', from '${amzDateHeader}'.`,
    );
  }
  return { ok: true, signingDate };
}

/** A request as it arrived: method, the path and query exactly as on the wire, headers, raw body. */
export interface ReceivedRequest {
  method: string;
  /** The raw request target, e.g. `/_ivs/channels/tags/arn%3Aaws%3A…?x=1`. */
  url: string;
  /** Lower-case names; repeated headers as arrays (Node's `headersDistinct`). */
  headers: Record<string, string[] | undefined>;
  body: Buffer;
}

/**
 * Recomputes the signature with the SDK's own signer over the signed headers, the raw path and
 * query, and the exact body bytes, then compares in constant time.
 */
export async function verifySignature(
  req: ReceivedRequest,
  auth: ParsedAuthorization,
  signingDate: Date,
  region: string,
  credentials: EmulatorCredentials,
): Promise<SignatureRefusal | null> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const values = req.headers[name];
    // A header listed as signed but absent cannot have been signed by the sender.
    if (!values) return SIGNATURE_MISMATCH;
    headers[name] = values.join(',');
  }
  const bodyHash = new Sha256();
  bodyHash.update(req.body);
  const payloadHash = Buffer.from(await bodyHash.digest()).toString('hex');
  // The signer trusts x-amz-content-sha256 as the payload hash: it must be the body's real one.
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== payloadHash) return SIGNATURE_MISMATCH;

  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const signer = new SignatureV4({ credentials, region, service: IVS_SIGNING_SERVICE, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path,
      query: parseQuery(q < 0 ? '' : req.url.slice(q + 1)),
      headers,
      body: req.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders), unsignableHeaders: new Set() },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const given = Buffer.from(auth.signature, 'utf8');
  const ours = Buffer.from(expected, 'utf8');
  return given.length === ours.length && timingSafeEqual(given, ours) ? null : SIGNATURE_MISMATCH;
}

/** Query string → the `{name: value | values}` the signer canonicalises (it re-encodes each part). */
function parseQuery(raw: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
