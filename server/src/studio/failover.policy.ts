import { programmeOf, type StudioLive } from '@streamcat/protocol';

/**
 * Automatic failover as one pure decision: a show live from the host's browser whose programme
 * stopped arriving is taken over by the cloud programme (an IVS composition of the show stage)
 * when, and only when, the host is really gone. A reload, a socket blip or an encoder that
 * reconnects is waited for; a host who pressed "End broadcast" is never overruled (the
 * broadcast is `stopping` then, not `live`).
 */

export type FailoverVerdict =
  | { do: 'none' }
  | { do: 'wait' }
  /** GetStream decides: is the programme still arriving while the host's studio is away? */
  | { do: 'ask-ivs' }
  | { do: 'take-over' }
  /** Failover is off and the stream is gone: the show is over, said so. */
  | { do: 'give-up'; note: string };

export interface FailoverTiming {
  /** How long the host's studio may be away (a reload, a blip) before they count as gone. */
  hostGoneMs: number;
  /** How long after an unasked Stream End the host's encoder may take to come back. */
  lostGraceMs: number;
}

export interface FailoverInput {
  live: StudioLive;
  now: Date;
  /** The owner's studio sockets across all nodes; `absentSince` is when this node first saw none. */
  host: { connected: boolean; absentSince: Date | null };
  /** GetStream's answer: undefined = not asked yet, null = nothing live on the channel. */
  stream?: { health: 'HEALTHY' | 'STARVING' | 'UNKNOWN' } | null;
  timing: FailoverTiming;
}

export function failoverVerdict(input: FailoverInput): FailoverVerdict {
  const { live, now, host, stream, timing } = input;
  const programme = programmeOf({ live });
  if (live.broadcast.state !== 'live' || programme.source !== 'browser') return { do: 'none' };
  const hostGone = !host.connected && host.absentSince !== null && now.getTime() - host.absentSince.getTime() >= timing.hostGoneMs;
  const lostAt = programme.lostAt ? Date.parse(programme.lostAt) : null;

  if (lostAt !== null) {
    // IVS ended the stream without the host asking. Give their encoder its grace to come back
    // (a Stream Start clears the loss) unless the host is gone already.
    const graceOver = now.getTime() - lostAt >= timing.lostGraceMs;
    if (!hostGone && !graceOver) return { do: 'wait' };
    if (programme.failover) return { do: 'take-over' };
    return graceOver || hostGone
      ? { do: 'give-up', note: "The programme stopped arriving from the host's browser and automatic failover is off." }
      : { do: 'wait' };
  }
  if (!programme.failover) return { do: 'none' };
  // Their studio is open: its encoder is sending or resuming (the ingest holds the stream meanwhile).
  if (host.connected) return { do: 'none' };
  if (!hostGone) return { do: 'wait' };
  if (stream === undefined) return { do: 'ask-ivs' };
  // Gone, and the programme with them. A healthy stream means only the studio socket dropped.
  if (stream === null || stream.health === 'STARVING') return { do: 'take-over' };
  return { do: 'wait' };
}

export type CompositionCheck = { do: 'none' } | { do: 'start-again' } | { do: 'stop-again' } | { do: 'ask-ivs' };

/**
 * The cloud programme's composition when its events are late or lost, or the node that was
 * starting it died: a start with no arn after `retryMs` is sent again (same idempotency token,
 * so never a second composition); a composition still `starting`/`stopping` after `retryMs`
 * is looked up (GetComposition) or stopped again.
 */
export function compositionCheck(live: StudioLive, now: Date, retryMs: number): CompositionCheck {
  const c = programmeOf({ live }).composition;
  if (!c) return { do: 'none' };
  const waited = now.getTime() - Date.parse(c.since) >= retryMs;
  if (!waited) return { do: 'none' };
  if (c.state === 'starting') return c.arn ? { do: 'ask-ivs' } : { do: 'start-again' };
  if (c.state === 'stopping') return c.arn ? { do: 'stop-again' } : { do: 'start-again' };
  return { do: 'none' };
}
