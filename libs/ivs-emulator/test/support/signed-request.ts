import { request as httpRequest } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EmulatorCredentials } from '@streamcat/ivs-emulator';

export interface RawResponse {
  status: number;
  errorType: string | null;
  contentType: string | null;
  body: any;
}

export interface SigningOptions {
  credentials?: EmulatorCredentials;
  region?: string;
  service?: string;
  /** Signing time (default now): the way to send a stale or future request. */
  signingDate?: Date;
  headers?: Record<string, string>;
  method?: string;
}

/**
 * One HTTP request to the emulator, signed with `@smithy/signature-v4` (the SDK's signer) over
 * exactly the bytes sent, or unsigned when no credentials are given. Mutations of the signed
 * request (a changed body, another host) are done by the caller through `tamper`.
 */
export async function rawIvsRequest(
  baseUrl: string,
  path: string,
  body: string,
  opts: SigningOptions & { tamper?: (req: { headers: Record<string, string>; body: string; path: string }) => void } = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  let headers: Record<string, string> = { host: url.host, 'content-type': 'application/json', ...opts.headers };
  if (opts.credentials) {
    const signer = new SignatureV4({
      credentials: opts.credentials,
      region: opts.region ?? 'us-east-1',
      service: opts.service ?? 'ivs',
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await signer.sign(
      {
        method: opts.method ?? 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query,
        headers,
        body,
      },
      { signingDate: opts.signingDate ?? new Date() },
    );
    headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, String(v)]));
  }
  const req = { headers, body, path: url.pathname + url.search };
  opts.tamper?.(req);
  // node:http, not fetch: the Host header and every byte must be exactly what was signed.
  const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>(
    (resolve, reject) => {
      const r = httpRequest(
        { host: url.hostname, port: url.port, method: opts.method ?? 'POST', path: req.path, headers: req.headers },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (d: string) => (text += d));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
        },
      );
      r.on('error', reject);
      r.end(req.body);
    },
  );
  let parsed: unknown = res.text;
  try {
    parsed = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    /* keep text */
  }
  const header = (name: string) => {
    const v = res.headers[name];
    return (Array.isArray(v) ? v[0] : v) ?? null;
  };
  return { status: res.status, errorType: header('x-amzn-errortype'), contentType: header('content-type'), body: parsed };
}
