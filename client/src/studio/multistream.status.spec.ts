import { describe, expect, it } from '@jest/globals';
import { multistreamLine } from './multistream.status';

const now = new Date('2026-12-04T10:00:00.000Z');
const base = { reason: null, retryAt: null, failures: 0, since: now.toISOString() };

describe('multistreamLine', () => {
  it('tells the host each state, and why a failed one fails and when it tries again', () => {
    expect(multistreamLine({ ...base, state: 'live' }, true, now)).toEqual({ label: 'Live', tone: 'live', detail: null });
    expect(multistreamLine({ ...base, state: 'idle' }, true, now).label).toBe('Ready');
    expect(multistreamLine({ ...base, state: 'live' }, false, now).label).toBe('Off');
    const failed = multistreamLine(
      { ...base, state: 'retrying', reason: 'Connection refused', failures: 3, retryAt: new Date(now.getTime() + 7_500).toISOString() },
      true,
      now,
    );
    expect(failed).toEqual({ label: 'Failed', tone: 'accent', detail: 'Connection refused — retrying in 8 s' });
    expect(multistreamLine({ ...base, state: 'connecting', reason: 'Connection refused' }, true, now).detail).toBe(
      'Last attempt failed: Connection refused',
    );
  });
});
