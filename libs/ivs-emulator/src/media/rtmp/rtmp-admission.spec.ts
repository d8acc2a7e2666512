import { admitPendingRtmp, PendingRtmpConnections } from './rtmp-admission';

const limits = { perAddress: 2, overall: 3 };

describe('admitPendingRtmp', () => {
  it('admits until the address or the server is full', () => {
    expect(admitPendingRtmp(0, 0, limits)).toBe('admit');
    expect(admitPendingRtmp(1, 2, limits)).toBe('admit');
    expect(admitPendingRtmp(2, 2, limits)).toBe('address-full');
    expect(admitPendingRtmp(0, 3, limits)).toBe('server-full');
  });
});

describe('PendingRtmpConnections', () => {
  it('counts per address group (IPv6 /64, IPv4-mapped as IPv4) and overall, and frees a slot once on release', () => {
    const pending = new PendingRtmpConnections(limits);
    const a = pending.admit('2001:db8:1:2::10');
    const b = pending.admit('2001:db8:1:2::99');
    expect(a.ok && b.ok).toBe(true);
    expect(pending.admit('2001:db8:1:2:ffff::1')).toEqual({ ok: false, why: 'address-full' });
    const c = pending.admit('::ffff:192.0.2.7');
    expect(c.ok).toBe(true);
    expect(pending.admit('198.51.100.1')).toEqual({ ok: false, why: 'server-full' });
    if (!a.ok) throw new Error('admitted above');
    a.release();
    a.release();
    expect(pending.count).toBe(2);
    expect(pending.admit('192.0.2.7').ok).toBe(true);
    expect(pending.admit('198.51.100.1')).toEqual({ ok: false, why: 'server-full' });
  });
});
