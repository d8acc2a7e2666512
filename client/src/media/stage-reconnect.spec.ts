import { describe, expect, test } from '@jest/globals';
import { heartbeatSilent } from '@streamcat/protocol/stage-signalling';
import { nextReconnectStep, reconnectLimitFrom, STAGE_RECONNECT_LIMIT_MS } from './stage-reconnect';

describe('stage reconnect policy', () => {
  const limitMs = STAGE_RECONNECT_LIMIT_MS;

  test('the first rejoin goes at once, later ones a little further apart, never more than 1 s', () => {
    const delays = [0, 1, 2, 3, 4, 9].map((attempt) => nextReconnectStep({ attempt, elapsedMs: 0, limitMs }));
    expect(delays).toEqual([0, 250, 500, 1000, 1000, 1000].map((delayMs) => ({ kind: 'attempt', delayMs })));
  });

  test('gives up at the limit (30 s by default): no attempt is scheduled to start past it', () => {
    expect(limitMs).toBe(30_000);
    expect(nextReconnectStep({ attempt: 12, elapsedMs: 28_999, limitMs })).toEqual({ kind: 'attempt', delayMs: 1000 });
    expect(nextReconnectStep({ attempt: 12, elapsedMs: 29_000, limitMs })).toEqual({ kind: 'give-up', why: 'limit' });
    expect(nextReconnectStep({ attempt: 0, elapsedMs: 30_000, limitMs })).toEqual({ kind: 'give-up', why: 'limit' });
  });

  test('a spent, expired or foreign token, or a deleted stage, ends it at once; other refusals are tried again', () => {
    for (const code of ['TOKEN_DISCONNECTED', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'STAGE_DELETED'])
      expect(nextReconnectStep({ attempt: 1, elapsedMs: 100, limitMs, refusedWith: code })).toEqual({ kind: 'give-up', why: 'refused' });
    expect(nextReconnectStep({ attempt: 1, elapsedMs: 100, limitMs, refusedWith: 'NEGOTIATION_FAILED' })).toEqual({
      kind: 'attempt',
      delayMs: 250,
    });
  });

  test('a socket is dead after 4 s without a word, but not when the check itself ran late (a stalled page)', () => {
    const base = { deadMs: 4000, checkIntervalMs: 1000, sinceLastCheckMs: 1000 };
    expect(heartbeatSilent({ ...base, silentMs: 3999 })).toBe(false);
    expect(heartbeatSilent({ ...base, silentMs: 4000 })).toBe(true);
    expect(heartbeatSilent({ ...base, silentMs: 9000, sinceLastCheckMs: 6000 })).toBe(false);
  });

  test('a test may shorten the limit (1 s at least), never lengthen it; anything unreadable is the default', () => {
    expect(reconnectLimitFrom(null)).toBe(30_000);
    expect(reconnectLimitFrom('8000')).toBe(8000);
    expect(reconnectLimitFrom('120000')).toBe(30_000);
    expect(reconnectLimitFrom('999')).toBe(30_000);
    expect(reconnectLimitFrom('soon')).toBe(30_000);
  });
});
