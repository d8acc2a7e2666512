import { describe, expect, test } from '@jest/globals';
import {
  afterJoined,
  afterLeft,
  afterMedia,
  type Drops,
  lostByError,
  myStageLink,
  reconnectingMembers,
  REJOIN_MEDIA_GRACE_MS,
} from './stage-reconnect';

const LIMIT = 30_000;

describe('others see a dropped member reconnecting', () => {
  test('from the moment their participant leaves until the limit, then no more (disconnected)', () => {
    const drops = afterLeft(new Map(), 'g', 1000);
    expect([...reconnectingMembers(drops, 1000, LIMIT).reconnecting]).toEqual(['g']);
    const late = reconnectingMembers(drops, 1000 + LIMIT - 1, LIMIT);
    expect([...late.reconnecting]).toEqual(['g']);
    expect(late.nextChangeAt).toBe(1000 + LIMIT);
    const over = reconnectingMembers(drops, 1000 + LIMIT, LIMIT);
    expect(over.reconnecting.size).toBe(0);
    expect(over.drops.size).toBe(0);
    expect(over.nextChangeAt).toBeNull();
  });

  test('rejoined, they stay reconnecting until their media arrives, at most the grace after the rejoin', () => {
    let drops: Drops = afterLeft(new Map(), 'g', 0);
    drops = afterJoined(drops, 'g', 5000);
    const waiting = reconnectingMembers(drops, 6000, LIMIT);
    expect([...waiting.reconnecting]).toEqual(['g']);
    expect(waiting.nextChangeAt).toBe(5000 + REJOIN_MEDIA_GRACE_MS);
    expect(reconnectingMembers(drops, 5000 + REJOIN_MEDIA_GRACE_MS, LIMIT).reconnecting.size).toBe(0);
    expect(reconnectingMembers(afterMedia(drops, 'g'), 6000, LIMIT).reconnecting.size).toBe(0);
  });

  test('a first join is not a reconnect; media of someone who never dropped changes nothing', () => {
    const none: Drops = new Map();
    expect(afterJoined(none, 'h', 10)).toBe(none);
    expect(afterMedia(none, 'h')).toBe(none);
  });

  test('a drop again restarts the count', () => {
    let drops: Drops = afterLeft(new Map(), 'g', 0);
    drops = afterJoined(drops, 'g', 1000);
    drops = afterLeft(drops, 'g', 2000);
    expect(reconnectingMembers(drops, 1000 + REJOIN_MEDIA_GRACE_MS + 1, LIMIT).reconnecting.has('g')).toBe(true);
  });
});

describe('my own stage link', () => {
  test('connecting after connected is reconnecting; giving up from there is lost; connected again clears it', () => {
    expect(myStageLink(null, false, 'connecting')).toBeNull();
    expect(myStageLink(null, true, 'connecting')).toBe('reconnecting');
    expect(myStageLink('reconnecting', true, 'errored')).toBe('lost');
    expect(myStageLink('reconnecting', true, 'disconnected')).toBe('lost');
    expect(myStageLink('reconnecting', true, 'connected')).toBeNull();
  });

  test('a first join that fails, or a deliberate leave, is not lost', () => {
    expect(myStageLink(null, false, 'errored')).toBeNull();
    expect(myStageLink(null, true, 'disconnected')).toBeNull();
  });

  test('a connected stage is lost on LocalStage’s CONNECTION_LOST or the SDK’s FAILED / TIMEOUT, not on refusals or before connecting', () => {
    for (const code of ['CONNECTION_LOST', 'FAILED', 'TIMEOUT']) expect(lostByError(true, { category: 'JOIN_ERROR', code })).toBe(true);
    expect(lostByError(false, { category: 'JOIN_ERROR', code: 'FAILED' })).toBe(false);
    expect(lostByError(true, { category: 'PUBLISH_ERROR', code: 'FAILED' })).toBe(false);
    expect(lostByError(true, { category: 'JOIN_ERROR', code: 'STAGE_AT_CAPACITY' })).toBe(false);
  });
});
