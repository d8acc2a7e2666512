import { goLiveCheckIntervalMs, goLiveGiveUpNote, goLiveVerdict } from './go-live.policy';

const since = '2027-01-01T12:00:00.000Z';
const at = (s: number) => new Date(Date.parse(since) + s * 1000);
const starting = { state: 'starting' as const, since };

describe('go-live timeout', () => {
  it('waits for the Stream Start event until the timeout', () => {
    expect(goLiveVerdict({ broadcast: starting, now: at(29), timeoutMs: 30_000 })).toBe('wait');
  });

  it('then asks IVS, and applies the Start when the stream is live', () => {
    expect(goLiveVerdict({ broadcast: starting, now: at(30), timeoutMs: 30_000 })).toBe('ask-ivs');
    expect(goLiveVerdict({ broadcast: starting, now: at(30), timeoutMs: 30_000, stream: { streamId: 'st-1' } })).toBe('confirm-live');
  });

  it('gives up when IVS has no stream, with a sentence for the host', () => {
    expect(goLiveVerdict({ broadcast: starting, now: at(31), timeoutMs: 30_000, stream: null })).toBe('give-up');
    expect(goLiveGiveUpNote(30)).toMatch(/^The broadcast did not start: Amazon IVS received no stream within 30 s\./);
  });

  it('leaves every other state alone', () => {
    for (const state of ['offline', 'live', 'stopping'] as const)
      expect(goLiveVerdict({ broadcast: { state, since }, now: at(600), timeoutMs: 30_000, stream: null })).toBe('wait');
  });

  it('checks a few times per timeout, between every second and every 5 s', () => {
    expect(goLiveCheckIntervalMs(30_000)).toBe(5_000);
    expect(goLiveCheckIntervalMs(6_000)).toBe(2_000);
    expect(goLiveCheckIntervalMs(1_000)).toBe(1_000);
  });
});
