import type { IncomingMessage } from 'node:http';
import { addressKey, clientAddressOf, compileTrust, parseTrustProxy } from './client-address';

const request = (remote: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: remote },
    connection: { remoteAddress: remote },
    headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
  }) as unknown as IncomingMessage;

describe('TRUST_PROXY', () => {
  it('parses the forms operators write', () => {
    expect(parseTrustProxy('')).toEqual({ trust: false });
    expect(parseTrustProxy('false')).toEqual({ trust: false });
    expect(parseTrustProxy('true')).toEqual({ trust: true });
    expect(parseTrustProxy('2')).toEqual({ trust: 2 });
    expect(parseTrustProxy('loopback, 10.0.0.0/8,fd00::/8')).toEqual({ trust: ['loopback', '10.0.0.0/8', 'fd00::/8'] });
  });

  it('refuses what is not an address, range or keyword', () => {
    expect(parseTrustProxy('10.0.0.0/33')).toHaveProperty('error');
    expect(parseTrustProxy('nginx')).toHaveProperty('error');
    expect(parseTrustProxy('10.0.0.1/8/1')).toHaveProperty('error');
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    const none = compileTrust(false);
    expect(clientAddressOf(request('10.0.0.5', '203.0.113.9'), none)).toBe('10.0.0.5');
    const internal = compileTrust(['10.0.0.0/8']);
    expect(clientAddressOf(request('10.0.0.5', '203.0.113.9'), internal)).toBe('203.0.113.9');
    // A client that is not the proxy cannot claim another address.
    expect(clientAddressOf(request('198.51.100.7', '203.0.113.9'), internal)).toBe('198.51.100.7');
    // A spoofed hop in front of the real one is not believed past the first untrusted address.
    expect(clientAddressOf(request('10.0.0.5', '192.0.2.1, 203.0.113.9'), internal)).toBe('203.0.113.9');
  });

  it('counts hops when given a number', () => {
    expect(clientAddressOf(request('10.0.0.5', '192.0.2.1, 203.0.113.9'), compileTrust(1))).toBe('203.0.113.9');
  });
});

describe('addressKey', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('groups IPv6 by /64', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
