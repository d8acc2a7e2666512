import { describe, expect, it } from '@jest/globals';
import { BROADCAST_RECONNECT_LIMIT_MS, reconnectDelay, reconnectRetries } from './broadcast-reconnect';

describe('reconnectDelay', () => {
  it('tries quickly at first, then every second', () => {
    expect([0, 1, 2, 3, 10].map((n) => reconnectDelay(n, 0))).toEqual([250, 500, 1_000, 1_000, 1_000]);
  });

  it('gives up when the next try would start after the limit (the ingest’s grace covers a 30 s drop)', () => {
    // A 30 s drop still gets tries after the network is back.
    expect(BROADCAST_RECONNECT_LIMIT_MS).toBeGreaterThanOrEqual(33_000);
    expect(reconnectDelay(10, BROADCAST_RECONNECT_LIMIT_MS - 1_000)).toBe(1_000);
    expect(reconnectDelay(10, BROADCAST_RECONNECT_LIMIT_MS - 999)).toBeNull();
    expect(reconnectDelay(0, 5_000, 5_100)).toBeNull();
  });

  it('a 5 s drop is retried within 1 s of the network coming back', () => {
    let at = 0;
    const tries: number[] = [];
    for (let n = 0; at < 7_000; n++) {
      at += reconnectDelay(n, at)!;
      tries.push(at);
    }
    expect(tries.find((t) => t >= 5_000)! - 5_000).toBeLessThanOrEqual(1_000);
  });
});

describe('reconnectRetries', () => {
  it('tries again while the ingest still holds the dead connection, or passing failures', () => {
    expect(reconnectRetries('SOURCE_CONNECTED')).toBe(true);
    expect(reconnectRetries('INGEST_FAILED')).toBe(true);
    expect(reconnectRetries('CONNECTION_LOST')).toBe(true);
  });

  it('stops when trying again cannot help: the grace is over, the key was rotated, no encoder', () => {
    expect(reconnectRetries('NOTHING_TO_RESUME')).toBe(false);
    expect(reconnectRetries('STREAM_KEY_INVALID')).toBe(false);
    expect(reconnectRetries('INGEST_UNAVAILABLE')).toBe(false);
    expect(reconnectRetries(undefined)).toBe(false);
  });
});
