import { Injectable, Logger } from '@nestjs/common';

/** Facts the control plane announces to the (future) media plane and event source. */
export interface IvsEmulatorEventMap {
  /** A participant's token is dead: the SFU must drop its connection now. */
  participantDisconnected: {
    stageArn: string;
    participantId: string;
    userId: string;
    reason: string;
    cause: 'DISCONNECT_PARTICIPANT' | 'STAGE_DELETED';
  };
  stageDeleted: { stageArn: string };
  streamStarted: { channelArn: string; streamId: string; startTime: Date };
  streamEnded: { channelArn: string; streamId: string; reason: 'ENDED' | 'STOPPED' | 'TAKEOVER' };
  /**
   * StopStream was called: the ingest must cut the encoder. Listeners are awaited before
   * StopStream answers, so a caller that sees the reply knows the cut was attempted.
   */
  streamStopRequested: { channelArn: string; streamId: string };
  streamHealthChanged: { channelArn: string; streamId: string; health: StreamHealth };
}

export type StreamHealth = 'HEALTHY' | 'STARVING' | 'UNKNOWN';
export type IvsEmulatorEventName = keyof IvsEmulatorEventMap;
export type IvsEmulatorListener<K extends IvsEmulatorEventName> = (event: IvsEmulatorEventMap[K]) => void | Promise<void>;

/**
 * In-process only: it reaches listeners in this replica. The media plane runs in the same
 * process as the control plane in local mode, which is what this serves.
 */
@Injectable()
export class IvsEmulatorEvents {
  private readonly logger = new Logger('IvsEmulatorEvents');
  private readonly listeners = new Map<IvsEmulatorEventName, Set<IvsEmulatorListener<never>>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends IvsEmulatorEventName>(name: K, listener: IvsEmulatorListener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as IvsEmulatorListener<never>);
    return () => set.delete(listener as IvsEmulatorListener<never>);
  }

  /**
   * Runs every listener; a failing listener is logged and never fails the API call that emitted.
   * Returns the failures, for the one caller that must answer differently (StopStream).
   */
  async emit<K extends IvsEmulatorEventName>(name: K, event: IvsEmulatorEventMap[K]): Promise<unknown[]> {
    const set = this.listeners.get(name);
    if (!set?.size) return [];
    const results = await Promise.allSettled([...set].map(async (listener) => (listener as IvsEmulatorListener<K>)(event)));
    const failures: unknown[] = [];
    for (const r of results) {
      if (r.status === 'rejected') {
        failures.push(r.reason);
        this.logger.error(`Listener for ${name} failed`, r.reason instanceof Error ? r.reason.stack : String(r.reason));
      }
    }
    return failures;
  }
}
