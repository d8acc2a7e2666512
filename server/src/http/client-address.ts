import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/**
 * Which proxies may tell us the client's address through `X-Forwarded-For`. Only the
 * operator knows their network, so nothing is trusted unless TRUST_PROXY names it:
 * `false` (default), `true` (every hop: only behind a proxy that overwrites the header),
 * a hop count, or a comma list of addresses / CIDRs / `loopback` `linklocal` `uniquelocal`.
 */
export type TrustProxy = boolean | number | string[];

export function parseTrustProxy(value: string): { trust: TrustProxy } | { error: string } {
  const v = value.trim();
  if (v === '' || v === 'false') return { trust: false };
  if (v === 'true') return { trust: true };
  if (/^\d+$/.test(v)) return { trust: Number(v) };
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(p)) continue;
    const [ip, bits, extra] = p.split('/');
    const family = isIP(ip ?? '');
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max)))
      return { error: `"${p}" is not an address, a CIDR range, loopback, linklocal or uniquelocal` };
  }
  return { trust: parts };
}

/** The function Express's `trust proxy` setting and the socket handshake both use, so REST and sockets agree. */
export function compileTrust(trust: TrustProxy): (addr: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_addr, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** The client's address of a request or socket handshake (`socket.request`), believing only trusted proxies. */
export function clientAddressOf(req: IncomingMessage, trust: (addr: string, hop: number) => boolean): string {
  return proxyaddr(req as Parameters<typeof proxyaddr>[0], trust);
}

/**
 * The key limits are counted under: IPv4-mapped IPv6 is the IPv4 address, and IPv6 counts
 * per /64, because one subscriber usually holds a whole /64 and could rotate through it.
 */
export function addressKey(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (isIP(a) !== 6) return a;
  return `${expandIpv6(a).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(a: string): string[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two groups; only the first four groups matter here.
  const fill = Array(Math.max(0, 8 - h.length - t.length)).fill('0');
  return (tail === undefined ? h : [...h, ...fill, ...t]).map((g) => g.replace(/^0+(?=.)/, ''));
}
