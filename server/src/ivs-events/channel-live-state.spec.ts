import { deriveChannelLiveState, StreamFacts } from './channel-live-state';

const t = (s: number) => new Date(Date.UTC(2026, 10, 20, 18, 0, s));

function stream(streamId: string, facts: Partial<StreamFacts> = {}): StreamFacts {
  return {
    streamId,
    startedAt: null,
    startEventId: null,
    endedAt: null,
    endEventId: null,
    sessionEndedAt: null,
    offlineAt: null,
    health: null,
    ...facts,
  };
}

describe('deriveChannelLiveState', () => {
  it('is offline with no broadcasts', () => {
    expect(deriveChannelLiveState([])).toMatchObject({ isLive: false, currentStreamId: null, health: 'UNKNOWN' });
  });

  it('is live from a Start until that stream ends, even when both share a second', () => {
    const started = stream('x', { startedAt: t(1), startEventId: 'zzz' });
    expect(deriveChannelLiveState([started])).toEqual({
      isLive: true,
      currentStreamId: 'x',
      health: 'HEALTHY',
      stateAt: t(1),
      stateEventId: 'zzz',
    });
    // End's id sorts before Start's id: the lifecycle still puts End last.
    const ended = { ...started, endedAt: t(1), endEventId: 'aaa' };
    expect(deriveChannelLiveState([ended])).toMatchObject({ isLive: false, currentStreamId: 'x', stateEventId: 'aaa' });
  });

  it('stays live for a newer stream when the End of an older one arrives later', () => {
    const older = stream('y', { startedAt: t(1), startEventId: 'a', endedAt: t(12), endEventId: 'b' });
    const newer = stream('x', { startedAt: t(10), startEventId: 'c' });
    expect(deriveChannelLiveState([older, newer])).toMatchObject({ isLive: true, currentStreamId: 'x' });
    expect(deriveChannelLiveState([newer, older])).toMatchObject({ isLive: true, currentStreamId: 'x' });
  });

  it('is live for a Start that follows another stream’s End', () => {
    const y = stream('y', { startedAt: t(1), startEventId: 'a', endedAt: t(5), endEventId: 'b' });
    const x = stream('x', { startedAt: t(6), startEventId: 'c' });
    expect(deriveChannelLiveState([y, x])).toMatchObject({ isLive: true, currentStreamId: 'x' });
  });

  it('lets an End whose Start is missing end the channel only when it is newer than the current Start', () => {
    const x = stream('x', { startedAt: t(10), startEventId: 'c' });
    expect(deriveChannelLiveState([x, stream('z', { endedAt: t(20), endEventId: 'd' })])).toMatchObject({
      isLive: false,
      currentStreamId: 'z',
    });
    expect(deriveChannelLiveState([x, stream('z', { endedAt: t(5), endEventId: 'd' })])).toMatchObject({
      isLive: true,
      currentStreamId: 'x',
    });
  });

  it('treats Session Ended and reconciliation as the end of the current broadcast', () => {
    const x = stream('x', { startedAt: t(1), startEventId: 'a' });
    expect(deriveChannelLiveState([{ ...x, sessionEndedAt: t(9) }]).isLive).toBe(false);
    expect(deriveChannelLiveState([{ ...x, offlineAt: t(9) }]).isLive).toBe(false);
  });

  it('reports the current stream’s health while live, UNKNOWN when offline', () => {
    const x = stream('x', { startedAt: t(1), startEventId: 'a', health: 'STARVING' });
    expect(deriveChannelLiveState([x]).health).toBe('STARVING');
    expect(deriveChannelLiveState([{ ...x, endedAt: t(2), endEventId: 'b' }]).health).toBe('UNKNOWN');
  });

  it('gives the same answer for every order of the same streams', () => {
    const all = [
      stream('a', { startedAt: t(1), startEventId: '1', endedAt: t(30), endEventId: '2' }),
      stream('b', { startedAt: t(20), startEventId: '3' }),
      stream('c', { endedAt: t(15), endEventId: '4' }),
    ];
    const expected = deriveChannelLiveState(all);
    expect(expected).toMatchObject({ isLive: true, currentStreamId: 'b' });
    for (const order of [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]) {
      expect(deriveChannelLiveState(order.map((i) => all[i]!))).toEqual(expected);
    }
  });
});
