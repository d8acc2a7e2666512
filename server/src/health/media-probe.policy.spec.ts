import { MEDIA_PROBE_INTERVAL_MS, probeDecision } from './media-probe.policy';

describe('media probe policy', () => {
  it('probes when nothing is known, answers from a fresh result, probes again once it is stale', () => {
    expect(probeDecision(null, 1_000)).toBe('probe');
    expect(probeDecision({ state: 'up', at: 1_000 }, 1_000)).toBe('cached');
    expect(probeDecision({ state: 'down', at: 1_000 }, 1_000 + MEDIA_PROBE_INTERVAL_MS - 1)).toBe('cached');
    expect(probeDecision({ state: 'up', at: 1_000 }, 1_000 + MEDIA_PROBE_INTERVAL_MS)).toBe('probe');
  });

  it('does not trust a result from the future (a clock set back)', () => {
    expect(probeDecision({ state: 'up', at: 50_000 }, 1_000)).toBe('probe');
  });
});
