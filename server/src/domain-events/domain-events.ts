import { Injectable, Logger } from '@nestjs/common';
import type { StreamHealth } from '../channels/channel.entity';

/**
 * Facts other parts of the server react to (gateways push them to watch pages and the
 * moderation panel). Published only after the database commit that made them true, and
 * once per state change: a redelivered event changes nothing and publishes nothing.
 */
export interface DomainEventMap {
  'channel.live': { channelId: string; channelArn: string; streamId: string; at: Date };
  'channel.offline': {
    channelId: string;
    channelArn: string;
    /** The broadcast that ended, when known. */
    streamId: string | null;
    at: Date;
    /** `reconciliation`: GetStream said not broadcasting and no Stream End had arrived. */
    cause: 'event' | 'reconciliation';
  };
  'stream.health': { channelId: string; channelArn: string; streamId: string | null; health: StreamHealth };
  'recording.ready': {
    channelId: string;
    streamId: string;
    playlistUrl: string;
    durationMs: number | null;
    endedAt: Date;
  };
  'stage.participant.published': {
    stageId: string;
    stageArn: string;
    participantId: string;
    userId: string | null;
    sessionId: string;
    at: Date;
  };
  'stage.participant.unpublished': {
    stageId: string;
    stageArn: string;
    participantId: string;
    userId: string | null;
    sessionId: string;
    at: Date;
    /** `publish-error` carries IVS's error code. */
    reason: 'unpublished' | 'publish-error';
    errorCode: string | null;
  };
  /** An IVS composition's session started, ended or failed (from its Composition State Change events). */
  'composition.state': { stageId: string; compositionArn: string; state: 'active' | 'stopped' | 'failed'; at: Date; note?: string };
  /** A committed change asks for the cloud programme's composition to start or stop (this node does it at once). */
  'studio.composition': { stageId: string; start?: { attempt: string }; stop?: { arn: string | null; attempt: string } };
  /** A committed studio document change (roster, layout, live switches…). */
  'studio.changed': { stageId: string; version: number };
  /** A moderator (or the channel's owner) deleted a chat message. */
  'chat.message-deleted': { channelId: string; messageId: string };
  /** Someone was banned or timed out of a channel's chat (channelId null: site-wide). */
  'chat.sanctioned': { channelId: string | null; userId: string; kind: 'ban' | 'timeout' };
  /** The owner changed the channel's title or category (watch pages show it at once). */
  'channel.updated': { channelId: string; title: string; category: { id: number; name: string; slug: string } | null };
  /** A host added, changed or removed a multistream destination (`restart`: its URL or key changed). */
  'multistream.changed': { destinationId: string; restart?: boolean };
  'channel.limit-breach': {
    channelId: string;
    channelArn: string;
    limitName: string;
    limitValue: number;
    exceededBy: number;
    limitUnit: string | null;
    at: Date;
  };
}

export type DomainEventName = keyof DomainEventMap;
export type DomainEvent = { [K in DomainEventName]: { name: K; payload: DomainEventMap[K] } }[DomainEventName];
export type DomainEventListener<K extends DomainEventName> = (payload: DomainEventMap[K]) => void;

/** The in-process bus. Listeners run synchronously; one that throws is logged and never affects the publisher. */
@Injectable()
export class DomainEvents {
  private readonly log = new Logger('DomainEvents');
  private readonly listeners = new Map<DomainEventName, Set<DomainEventListener<never>>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends DomainEventName>(name: K, listener: DomainEventListener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as DomainEventListener<never>);
    return () => void set.delete(listener as DomainEventListener<never>);
  }

  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as DomainEventListener<K>)(payload);
      } catch (e) {
        this.log.error(`listener for ${name} failed`, e instanceof Error ? e.stack : String(e));
      }
    }
  }

  /** Publishes facts collected inside a transaction, in order, after it committed. */
  publish(events: readonly DomainEvent[]): void {
    for (const e of events) this.emit(e.name, e.payload as never);
  }
}
