import type { StudioLive, StudioProgramme } from '@streamcat/protocol';
import { compositionCheck, failoverVerdict, type FailoverInput } from './failover.policy';

const T0 = Date.parse('2026-12-03T18:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const timing = { hostGoneMs: 5_000, lostGraceMs: 20_000 };

function live(state: StudioLive['broadcast']['state'], programme?: Partial<StudioProgramme>): StudioLive {
  return {
    broadcast: { state, since: at(-60_000).toISOString() },
    realtime: { state: 'closed', since: at(-60_000).toISOString() },
    ...(programme ? { programme: { source: 'browser', failover: true, composition: null, ...programme } } : {}),
  };
}

function verdict(over: Partial<FailoverInput>) {
  return failoverVerdict({ live: live('live'), now: at(0), host: { connected: true, absentSince: null }, timing, ...over });
}

describe('failoverVerdict', () => {
  it('leaves a show alone while the host studio is connected (sending, or resuming after a reload)', () => {
    expect(verdict({})).toEqual({ do: 'none' });
    expect(verdict({ stream: { health: 'STARVING' } })).toEqual({ do: 'none' });
  });

  it('waits while the host has been away for less than the grace (a reload, a blip)', () => {
    expect(verdict({ host: { connected: false, absentSince: at(-4_999) } })).toEqual({ do: 'wait' });
  });

  it('asks IVS once the host is gone, and takes over when nothing (or a starving stream) arrives', () => {
    const gone = { connected: false, absentSince: at(-5_000) };
    expect(verdict({ host: gone })).toEqual({ do: 'ask-ivs' });
    expect(verdict({ host: gone, stream: null })).toEqual({ do: 'take-over' });
    expect(verdict({ host: gone, stream: { health: 'STARVING' } })).toEqual({ do: 'take-over' });
  });

  it('keeps waiting when only the studio socket dropped and the programme still arrives healthy', () => {
    const gone = { connected: false, absentSince: at(-30_000) };
    expect(verdict({ host: gone, stream: { health: 'HEALTHY' } })).toEqual({ do: 'wait' });
    expect(verdict({ host: gone, stream: { health: 'UNKNOWN' } })).toEqual({ do: 'wait' });
  });

  it('never acts on a broadcast the host is ending, or that is not live, or already in the cloud', () => {
    const gone = { connected: false, absentSince: at(-60_000) };
    for (const state of ['stopping', 'starting', 'offline'] as const)
      expect(verdict({ live: live(state), host: gone, stream: null })).toEqual({ do: 'none' });
    expect(verdict({ live: live('live', { source: 'cloud' }), host: gone, stream: null })).toEqual({ do: 'none' });
  });

  it('does nothing with failover off while the stream is not lost', () => {
    const gone = { connected: false, absentSince: at(-60_000) };
    expect(verdict({ live: live('live', { failover: false }), host: gone, stream: null })).toEqual({ do: 'none' });
  });

  it('after an unasked Stream End: waits for the encoder while the host is there, takes over when they are gone', () => {
    const lost = live('live', { lostAt: at(-1_000).toISOString() });
    expect(verdict({ live: lost })).toEqual({ do: 'wait' });
    expect(verdict({ live: lost, host: { connected: false, absentSince: at(-2_000) } })).toEqual({ do: 'wait' });
    expect(verdict({ live: lost, host: { connected: false, absentSince: at(-5_000) } })).toEqual({ do: 'take-over' });
  });

  it('after an unasked Stream End: takes over once the grace is over even with the host studio open', () => {
    const lost = live('live', { lostAt: at(-20_000).toISOString() });
    expect(verdict({ live: lost })).toEqual({ do: 'take-over' });
  });

  it('with failover off, a lost stream ends the show after the grace (or once the host is gone), saying why', () => {
    const lost = live('live', { failover: false, lostAt: at(-1_000).toISOString() });
    expect(verdict({ live: lost })).toEqual({ do: 'wait' });
    expect(verdict({ live: lost, now: at(19_000) })).toMatchObject({ do: 'give-up' });
    expect(verdict({ live: lost, host: { connected: false, absentSince: at(-6_000) } })).toMatchObject({ do: 'give-up' });
  });

  it('treats documents without a programme as browser-sourced with failover on', () => {
    expect(verdict({ live: live('live'), host: { connected: false, absentSince: at(-5_000) }, stream: null })).toEqual({ do: 'take-over' });
  });
});

describe('compositionCheck', () => {
  const withComposition = (state: 'starting' | 'active' | 'stopping' | 'stopped', arn: string | null, sinceMs: number) =>
    live('live', {
      source: 'cloud',
      composition: { arn, state, since: at(sinceMs).toISOString(), reason: 'failover', attempt: 'sc-1' },
    });

  it('waits for the events within the retry time', () => {
    expect(compositionCheck(withComposition('starting', null, -1_000), at(0), 5_000)).toEqual({ do: 'none' });
  });

  it('starts again (same token) when no node recorded an arn, asks IVS when the events are late', () => {
    expect(compositionCheck(withComposition('starting', null, -5_000), at(0), 5_000)).toEqual({ do: 'start-again' });
    expect(compositionCheck(withComposition('starting', 'arn:c', -5_000), at(0), 5_000)).toEqual({ do: 'ask-ivs' });
  });

  it('stops again a composition still stopping, and leaves running or ended ones alone', () => {
    expect(compositionCheck(withComposition('stopping', 'arn:c', -5_000), at(0), 5_000)).toEqual({ do: 'stop-again' });
    expect(compositionCheck(withComposition('active', 'arn:c', -60_000), at(0), 5_000)).toEqual({ do: 'none' });
    expect(compositionCheck(withComposition('stopped', 'arn:c', -60_000), at(0), 5_000)).toEqual({ do: 'none' });
    expect(compositionCheck(live('live'), at(0), 5_000)).toEqual({ do: 'none' });
  });
});
