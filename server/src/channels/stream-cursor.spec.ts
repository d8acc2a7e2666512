import { decodeCursor, encodeCursor } from './stream-cursor';

describe('stream cursor', () => {
  it('round-trips and rejects junk', () => {
    const row = { createdAt: new Date('2026-11-01T10:00:00.123Z'), id: '9b2c3f4e-1111-4222-8333-944455556666' };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
    expect(decodeCursor('garbage')).toBeNull();
    expect(decodeCursor(Buffer.from('2026-01-01|not-a-uuid').toString('base64url'))).toBeNull();
  });
});
