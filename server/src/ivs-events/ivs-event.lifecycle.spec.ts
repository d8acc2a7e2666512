import { compareLifecycle, lifecycleRank, stampOf, supersedes } from './ivs-event.lifecycle';

const t = (s: string) => new Date(`2026-11-20T18:05:${s}Z`);

describe('lifecycle order of one subject', () => {
  it('orders by time first, whatever the names', () => {
    const end = stampOf({ time: t('01'), id: 'a', name: 'Stream End' });
    const start = stampOf({ time: t('02'), id: 'z', name: 'Stream Start' });
    expect(compareLifecycle(end, start)).toBe(-1);
    expect(supersedes(start, end)).toBe(true);
  });

  it('puts Session Created < Stream Start < Stream End < Session Ended within one second, ignoring ids', () => {
    // ids chosen so that id order is the exact reverse of the lifecycle
    const names = ['Session Ended', 'Stream End', 'Stream Start', 'Session Created'];
    const stamps = names.map((name, i) => stampOf({ time: t('01'), id: `id-${i}`, name }));
    const sorted = [...stamps].sort(compareLifecycle).map((s) => names[stamps.indexOf(s)]);
    expect(sorted).toEqual(['Session Created', 'Stream Start', 'Stream End', 'Session Ended']);
  });

  it('puts Recording Start before Recording End and Starvation Start before Starvation End in the same second', () => {
    expect(lifecycleRank('Recording Start')).toBeLessThan(lifecycleRank('Recording End'));
    expect(lifecycleRank('Starvation Start')).toBeLessThan(lifecycleRank('Starvation End'));
    expect(lifecycleRank('Participant Published')).toBeLessThan(lifecycleRank('Participant Unpublished'));
  });

  it('breaks a full tie (same time, same rank) by id, and a redelivery never supersedes itself', () => {
    const a = stampOf({ time: t('01'), id: 'aaa', name: 'Stream End' });
    const b = stampOf({ time: t('01'), id: 'bbb', name: 'Stream Failure' });
    expect(compareLifecycle(a, b)).toBe(-1);
    expect(supersedes(b, a)).toBe(true);
    expect(supersedes(a, { ...a })).toBe(false);
    expect(supersedes(a, null)).toBe(true);
  });
});
