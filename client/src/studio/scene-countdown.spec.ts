import { describe, expect, test } from '@jest/globals';
import { DEFAULT_SCENE, initialStudioDocument, type StudioDocument } from '@streamcat/protocol';
import { GO_LIVE_LATE_MS, goLiveAtZero, isoFromLocalInput, localInputValue } from './scene-countdown';

const now = Date.parse('2026-12-04T18:00:00Z');
const at = new Date(now + 10_000).toISOString();
function doc(goLive: boolean, broadcast: 'offline' | 'live' = 'offline'): StudioDocument {
  const d = initialStudioDocument({ stageId: 's', stageName: 'alice', ownerId: 'o', ownerName: 'alice', now: new Date(now) });
  d.layout.scene = { ...DEFAULT_SCENE, active: 'starting', countdown: { at, goLive } };
  d.live.broadcast.state = broadcast;
  return d;
}

describe('go live at zero', () => {
  test('the sender waits for zero, then starts the broadcast', () => {
    expect(goLiveAtZero(doc(true), true, now)).toEqual({ at, inMs: 10_000, startBroadcast: true });
  });
  test('nothing for other pages, without goLive, or without a countdown', () => {
    expect(goLiveAtZero(doc(true), false, now)).toBeNull();
    expect(goLiveAtZero(doc(false), true, now)).toBeNull();
    const none = doc(true);
    none.layout.scene = DEFAULT_SCENE;
    expect(goLiveAtZero(none, true, now)).toBeNull();
    expect(goLiveAtZero(null, true, now)).toBeNull();
  });
  test('already live: only the switch to the show', () => {
    expect(goLiveAtZero(doc(true, 'live'), true, now)?.startBroadcast).toBe(false);
  });
  test('a page loaded just after zero still acts; long after, it does not', () => {
    expect(goLiveAtZero(doc(true), true, now + 10_000 + GO_LIVE_LATE_MS)).toMatchObject({ inMs: 0 });
    expect(goLiveAtZero(doc(true), true, now + 10_001 + GO_LIVE_LATE_MS)).toBeNull();
  });
});

describe('countdown time field', () => {
  test('a local input value goes to ISO and back to the second', () => {
    const ms = Date.parse('2026-12-04T18:05:07Z');
    const local = localInputValue(ms);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(isoFromLocalInput(local)).toBe('2026-12-04T18:05:07.000Z');
  });
  test('no time, no ISO', () => {
    expect(isoFromLocalInput('')).toBeNull();
    expect(isoFromLocalInput('tomorrow')).toBeNull();
    expect(isoFromLocalInput('2026-13-40T99:99')).toBeNull();
  });
});
