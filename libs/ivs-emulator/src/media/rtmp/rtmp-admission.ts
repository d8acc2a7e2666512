import { clientAddressGroup } from '../files/playback-sessions';

/**
 * How many RTMP connections may be open at once without an accepted publish (a stranger's
 * connection costs a socket, a timer and up to ~40 KB of buffers for 10 s): a flood of
 * half-open connections is refused at accept instead of pinning the process.
 */
export interface PendingRtmpLimits {
  /** From one client address (IPv4 address, IPv6 /64); an encoder needs one, a reconnect two. */
  perAddress: number;
  overall: number;
}

export const PENDING_RTMP_LIMITS: PendingRtmpLimits = { perAddress: 8, overall: 64 };

export type RtmpAdmission = 'admit' | 'address-full' | 'server-full';

/** Pure: whether one more unauthenticated connection may start its handshake. */
export function admitPendingRtmp(pendingFromAddress: number, pendingOverall: number, limits: PendingRtmpLimits): RtmpAdmission {
  if (pendingOverall >= limits.overall) return 'server-full';
  if (pendingFromAddress >= limits.perAddress) return 'address-full';
  return 'admit';
}

/** Counts connections between accept and an accepted publish (or their close). */
export class PendingRtmpConnections {
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: PendingRtmpLimits) {}

  /** A release function (call it once the publish is accepted or the socket closes; extra calls do nothing), or why not. */
  admit(remoteAddress: string | undefined): { ok: true; release: () => void } | { ok: false; why: Exclude<RtmpAdmission, 'admit'> } {
    const address = clientAddressGroup(remoteAddress);
    const decision = admitPendingRtmp(this.byAddress.get(address) ?? 0, this.total, this.limits);
    if (decision !== 'admit') return { ok: false, why: decision };
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    this.total++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.byAddress.get(address) ?? 1) - 1;
        if (left > 0) this.byAddress.set(address, left);
        else this.byAddress.delete(address);
      },
    };
  }

  get count(): number {
    return this.total;
  }
}
