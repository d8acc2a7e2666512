import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { buildStageUpdateEvent, type StageUpdateName } from '@streamcat/ivs-events';
import {
  parseStageClientMessage,
  STAGE_CLOSE,
  STAGE_HEARTBEAT_DEAD_MS,
  STAGE_MAX_MESSAGE_BEFORE_JOIN,
  STAGE_MAX_MESSAGE_JOINED,
  STAGE_SOCKET_PATH,
  StageClientMessage,
  StageErrorCategory,
  StageErrorCodeName,
  StageLeftReasonName,
  StageServerMessage,
  WireParticipant,
} from '@streamcat/protocol';
import { WebSocket } from 'ws';
import { IvsEmulatorService } from '../../ivs-emulator.service';
import { IVS_EMULATOR_LIMITS } from '../../limits/call-limits.middleware';
import type { EmulatorLimits } from '../../limits/emulator-limits';
import type { ParticipantTokenVerification } from '../../stages/participant-tokens.service';
import { IvsEventSink, RESOLVED_EVENT_SINK } from '../ivs-event-sink';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { MediaUpgrades, raiseMessageLimit } from '../media-upgrades';
import { MediaKind, PublisherLeg, SubscriberLeg } from './sfu-peers';
import { decidePublish, decideSubscribe, heartbeatDead } from './stage-rules';

const JOIN_TIMEOUT_MS = 10_000;
/** ws-level pings, for clients that do not send the stage heartbeat (headless publishers, tests). */
const PING_INTERVAL_MS = 5_000;
/** How often heartbeating sockets are checked for silence. */
const HEARTBEAT_CHECK_MS = 500;

type Verified = Extract<ParticipantTokenVerification, { ok: true }>;

interface Participant {
  ws: WebSocket;
  token: Verified;
  sessionId: string;
  wire: WireParticipant;
  publisher?: PublisherLeg;
  published: boolean;
  /** Legs this participant receives, by publisher id. */
  subscriptions: Map<string, SubscriberLeg>;
  gone: boolean;
  /** Join order on the stage: IVS orders composition tiles by arrival when no order attribute says otherwise. */
  arrival: number;
  /** The socket's heartbeat (shared with its accept loop): whether it pings, and when it was last heard. */
  heartbeat: SocketHeartbeat;
}

interface SocketHeartbeat {
  pings: boolean;
  lastHeardAt: number;
}

/** A participant whose media reaches the SFU, as a server-side composition sees it. */
export interface StagePublisher {
  participantId: string;
  userId: string;
  attributes: Record<string, string>;
  arrival: number;
  audioMuted: boolean;
  videoStopped: boolean;
  leg: PublisherLeg;
}

/** A participant started (leg present) or stopped publishing: what individual recording follows. */
export interface PublishingChange {
  stageArn: string;
  sessionId: string;
  participantId: string;
  published: boolean;
  /** The publishing leg (start only). */
  leg?: PublisherLeg;
}

/**
 * The local stage media server: admits participants by token, applies IVS's rules,
 * negotiates one publishing leg per publisher and one receiving leg per (subscriber,
 * publisher) pair, and tells everyone what changed. State lives in this process; the
 * emulator's tables get joins, leaves and publish flags for ListParticipants.
 */
@Injectable()
export class StageSessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('StageSfu');
  private readonly stages = new Map<string, Map<string, Participant>>();
  private readonly offs: (() => void)[] = [];
  private pinger?: NodeJS.Timeout;
  private heartbeatChecker?: NodeJS.Timeout;
  private arrivals = 0;
  private readonly publisherWatchers = new Map<string, Set<() => void>>();
  private readonly publishingListeners = new Set<(change: PublishingChange) => void>();

  constructor(
    private readonly emulator: IvsEmulatorService,
    private readonly upgrades: MediaUpgrades,
    @Inject(IVS_MEDIA_OPTIONS) private readonly options: ResolvedMediaOptions,
    @Inject(RESOLVED_EVENT_SINK) private readonly sink: IvsEventSink,
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
  ) {}

  onModuleInit(): void {
    this.upgrades.register(STAGE_SOCKET_PATH, (ws) => this.accept(ws), STAGE_MAX_MESSAGE_BEFORE_JOIN);
    this.offs.push(
      this.emulator.onParticipantDisconnected(async (e) => {
        const p = this.stages.get(e.stageArn)?.get(e.participantId);
        if (p) await this.leave(p, e.cause === 'STAGE_DELETED' ? 'stage-deleted' : 'participant-disconnected', { tellSelf: true });
      }),
    );
    // A browser that vanished without a close frame is found by missing pongs.
    this.pinger = setInterval(() => {
      for (const room of this.stages.values())
        for (const p of room.values()) {
          if ((p.ws as WebSocket & { alive?: boolean }).alive === false) p.ws.terminate();
          (p.ws as WebSocket & { alive?: boolean }).alive = false;
          p.ws.ping();
        }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
    // A browser whose network dropped is found within seconds by its missing heartbeat, so the
    // others see it reconnecting while it is away (not only once it is back with the same token).
    let lastCheckAt = Date.now();
    this.heartbeatChecker = setInterval(() => {
      const now = Date.now();
      const sinceLastCheckMs = now - lastCheckAt;
      lastCheckAt = now;
      const silent = (p: Participant, at: number) =>
        heartbeatDead({
          heartbeating: p.heartbeat.pings,
          silentMs: at - p.heartbeat.lastHeardAt,
          deadMs: STAGE_HEARTBEAT_DEAD_MS,
          sinceLastCheckMs,
          checkIntervalMs: HEARTBEAT_CHECK_MS,
        });
      const suspects = [...this.stages.values()].flatMap((room) => [...room.values()]).filter((p) => !p.gone && silent(p, now));
      if (suspects.length === 0) return;
      // Judged once the sockets' pending input is read: after a stall of our own loop, pings that
      // arrived meanwhile wait unread behind this timer (CI once saw every participant of a stage
      // dropped at the same instant, each "silent" for 4.4 s). setImmediate runs after that I/O.
      setImmediate(() => {
        const at = Date.now();
        for (const p of suspects) {
          if (p.gone || !silent(p, at)) continue;
          // Once: the close that follows (and the leave) comes through the socket's own queue.
          p.heartbeat.pings = false;
          this.logger.warn(`participant ${p.wire.id} silent for ${at - p.heartbeat.lastHeardAt} ms: its socket is dropped`);
          p.ws.terminate();
        }
      });
    }, HEARTBEAT_CHECK_MS);
    this.heartbeatChecker.unref();
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    clearInterval(this.pinger);
    clearInterval(this.heartbeatChecker);
    for (const room of [...this.stages.values()]) for (const p of [...room.values()]) await this.leave(p, 'unknown', { tellSelf: true });
  }

  /** Participants currently connected to a stage (tests, benchmarks). */
  connectedParticipants(stageArn: string): string[] {
    return [...(this.stages.get(stageArn)?.keys() ?? [])];
  }

  /** The stage's publishing participants now (server-side composition). */
  stagePublishers(stageArn: string): StagePublisher[] {
    return [...(this.stages.get(stageArn)?.values() ?? [])]
      .filter((p) => p.published && p.publisher && !p.gone)
      .map((p) => ({
        participantId: p.wire.id,
        userId: p.wire.userId,
        attributes: p.wire.attributes,
        arrival: p.arrival,
        audioMuted: p.wire.audioMuted,
        videoStopped: p.wire.videoStopped,
        leg: p.publisher!,
      }));
  }

  /** Calls `listener` whenever the stage's publishers change (start, stop, mute, leave); read them with stagePublishers. */
  onStagePublishersChanged(stageArn: string, listener: () => void): () => void {
    const set = this.publisherWatchers.get(stageArn) ?? new Set();
    this.publisherWatchers.set(stageArn, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.publisherWatchers.get(stageArn) === set) this.publisherWatchers.delete(stageArn);
    };
  }

  /** Calls `listener` whenever any participant on any stage starts or stops publishing (individual recording). */
  onPublishing(listener: (change: PublishingChange) => void): () => void {
    this.publishingListeners.add(listener);
    return () => this.publishingListeners.delete(listener);
  }

  private publishingChanged(change: PublishingChange): void {
    for (const l of [...this.publishingListeners]) {
      try {
        l(change);
      } catch (err) {
        this.logger.error('publishing listener failed', err instanceof Error ? err.stack : String(err));
      }
    }
  }

  private publishersChanged(stageArn: string): void {
    for (const l of [...(this.publisherWatchers.get(stageArn) ?? [])]) {
      try {
        l();
      } catch (err) {
        this.logger.error('publisher watcher failed', err instanceof Error ? err.stack : String(err));
      }
    }
  }

  private accept(ws: WebSocket): void {
    let participant: Participant | undefined;
    let joining = false;
    let queue = Promise.resolve();
    const heartbeat: SocketHeartbeat = { pings: false, lastHeardAt: Date.now() };
    const joinTimer = setTimeout(() => ws.close(STAGE_CLOSE.refused, 'join timeout'), JOIN_TIMEOUT_MS);
    (ws as WebSocket & { alive?: boolean }).alive = true;
    ws.on('pong', () => ((ws as WebSocket & { alive?: boolean }).alive = true));
    ws.on('message', (data, isBinary) => {
      heartbeat.lastHeardAt = Date.now();
      const parsed = isBinary ? undefined : parseStageClientMessage(data.toString());
      // Answered at once, outside the queue: a long negotiation must not make the socket look dead.
      if (parsed?.t === 'ping' && participant) {
        heartbeat.pings = true;
        return send(ws, { t: 'pong', n: parsed.n });
      }
      // Before its token is accepted a socket gets one thing: a single join. Anything else ends it.
      if (!participant) {
        if (joining || parsed?.t !== 'join') {
          const [code, reason] = parsed
            ? (['NOT_JOINED', 'Send join first, then wait for joined.'] as const)
            : (['BAD_MESSAGE', 'Unreadable message.'] as const);
          send(ws, errorMessage('JOIN_ERROR', code, reason, true));
          ws.close(parsed ? STAGE_CLOSE.refused : STAGE_CLOSE.badMessage, code);
          return;
        }
        joining = true;
        clearTimeout(joinTimer);
        queue = queue.then(async () => {
          try {
            participant = await this.join(ws, parsed.token, heartbeat);
            if (participant) raiseMessageLimit(ws, STAGE_MAX_MESSAGE_JOINED);
          } catch (err) {
            this.logger.error('stage join failed', err instanceof Error ? err.stack : String(err));
            send(ws, errorMessage('JOIN_ERROR', 'NEGOTIATION_FAILED', 'The media server could not complete that request.', true));
            ws.close(STAGE_CLOSE.refused, 'join failed');
          } finally {
            joining = false;
          }
          // The offer that came with the join: handled as the first message after `joined`.
          if (participant && parsed.publish) await run(participant, { t: 'publish', ...parsed.publish });
        });
        return;
      }
      // One message at a time per socket: negotiation steps must not interleave.
      queue = queue.then(async () => {
        if (!parsed) return send(ws, errorMessage('JOIN_ERROR', 'BAD_MESSAGE', 'Unreadable message.', false));
        if (parsed.t === 'join') return send(ws, errorMessage('JOIN_ERROR', 'BAD_MESSAGE', 'Already joined.', false));
        await run(participant!, parsed);
      });
    });
    const run = async (p: Participant, m: StageClientMessage): Promise<void> => {
      try {
        if (p.gone) return send(ws, errorMessage('JOIN_ERROR', 'NOT_JOINED', 'Send join first.', false));
        await this.handle(p, m);
      } catch (err) {
        this.logger.error(`stage message ${m.t} failed`, err instanceof Error ? err.stack : String(err));
        const category: StageErrorCategory = m.t === 'subscribe' ? 'SUBSCRIBE_ERROR' : m.t === 'publish' ? 'PUBLISH_ERROR' : 'JOIN_ERROR';
        send(ws, errorMessage(category, 'NEGOTIATION_FAILED', 'The media server could not complete that request.', false));
      }
    };
    ws.on('close', (code: number) => {
      clearTimeout(joinTimer);
      // A page that closes its socket (a tab closed, a navigation) sends a close frame (1000,
      // 1001, 1005: no code); a dropped network or a silent socket we terminated ends without
      // one (1006): only that one may come back by itself.
      const lost = code === 1006;
      queue = queue.then(async () => {
        if (participant && !participant.gone) await this.leave(participant, 'unknown', { tellSelf: false, lost });
      });
    });
    ws.on('error', () => undefined);
  }

  private async join(ws: WebSocket, token: string, heartbeat: SocketHeartbeat): Promise<Participant | undefined> {
    const verified = await this.emulator.verifyParticipantToken(token);
    if (!verified.ok) {
      send(ws, errorMessage('JOIN_ERROR', verified.code, verified.message, true));
      ws.close(STAGE_CLOSE.refused, verified.code);
      return undefined;
    }
    const room = this.stages.get(verified.stageArn) ?? new Map<string, Participant>();
    this.stages.set(verified.stageArn, room);
    const previous = room.get(verified.participantId);
    // IVS: a second connection with the same token evicts the first. This is also how a browser
    // whose network dropped comes back before its old socket was found dead: the same token, so
    // the same participant id (IVS ties the id to the token), on a new connection.
    if (previous) await this.leave(previous, 'token-reused', { tellSelf: true, keepDbRow: true });
    const { sessionId } = await this.emulator.participantJoined(verified.participantId);
    const p: Participant = {
      ws,
      token: verified,
      sessionId,
      published: false,
      subscriptions: new Map(),
      gone: false,
      arrival: ++this.arrivals,
      heartbeat,
      wire: {
        id: verified.participantId,
        userId: verified.userId,
        attributes: verified.attributes,
        capabilities: [...(verified.canPublish ? ['publish' as const] : []), ...(verified.canSubscribe ? ['subscribe' as const] : [])],
        isPublishing: false,
        audioMuted: false,
        videoStopped: false,
      },
    };
    const others = [...room.values()];
    room.set(p.wire.id, p);
    send(ws, { t: 'joined', self: p.wire, sessionId, participants: others.map((o) => o.wire) });
    this.broadcast(room, { t: 'participant-joined', participant: p.wire }, p.wire.id);
    return p;
  }

  private async handle(p: Participant, m: StageClientMessage): Promise<void> {
    switch (m.t) {
      case 'publish':
        return this.publish(p, m.sdp, m.audioMuted, m.videoStopped);
      case 'unpublish':
        return this.unpublish(p);
      case 'subscribe':
        return this.subscribe(p, m.participantId, m.sdp, m.type === 'audio_only' ? ['audio'] : ['audio', 'video']);
      case 'unsubscribe': {
        const leg = p.subscriptions.get(m.participantId);
        p.subscriptions.delete(m.participantId);
        await leg?.close();
        return;
      }
      case 'mute':
        p.wire.audioMuted = m.audioMuted;
        p.wire.videoStopped = m.videoStopped;
        this.broadcast(this.room(p), { t: 'participant-updated', participant: p.wire });
        if (p.published) this.publishersChanged(p.token.stageArn);
        return;
      case 'keyframe':
        this.room(p).get(m.participantId)?.publisher?.requestKeyframe();
        return;
      case 'leave':
        return this.leave(p, 'user-initiated', { tellSelf: true });
      case 'join':
      case 'ping':
        return;
    }
  }

  private async publish(p: Participant, sdp: string, audioMuted: boolean, videoStopped: boolean): Promise<void> {
    const room = this.room(p);
    const publishers = [...room.values()].filter((o) => o.publisher).length;
    const decision = decidePublish({
      canPublish: p.token.canPublish,
      publishers,
      alreadyPublishing: !!p.publisher,
      maxPublishers: this.limits.quotas.publishersPerStage,
    });
    if (!decision.ok) {
      send(p.ws, errorMessage('PUBLISH_ERROR', decision.code, decision.message, false));
      await this.emitStageUpdate(p, 'Participant Publish Error', decision.code);
      return;
    }
    if (p.publisher) await this.unpublish(p);
    p.wire.audioMuted = audioMuted;
    p.wire.videoStopped = videoStopped;
    const { leg, sdp: answer } = await PublisherLeg.accept(sdp, (state) => {
      if (p.publisher !== leg || p.gone) return;
      if (state === 'connected') void this.markPublished(p);
      else void this.unpublish(p);
    });
    if (p.gone) {
      await leg.close();
      return;
    }
    p.publisher = leg;
    send(p.ws, { t: 'publish-answer', sdp: answer });
  }

  private async markPublished(p: Participant): Promise<void> {
    p.published = true;
    p.wire.isPublishing = true;
    send(p.ws, { t: 'published' });
    this.broadcast(this.room(p), { t: 'participant-updated', participant: p.wire }, p.wire.id);
    this.publishersChanged(p.token.stageArn);
    this.publishingChanged({
      stageArn: p.token.stageArn,
      sessionId: p.sessionId,
      participantId: p.wire.id,
      published: true,
      leg: p.publisher,
    });
    await this.emulator.setParticipantPublished(p.wire.id, true).catch(() => undefined);
    await this.emitStageUpdate(p, 'Participant Published');
  }

  private async unpublish(p: Participant): Promise<void> {
    const leg = p.publisher;
    if (!leg) return;
    p.publisher = undefined;
    const wasPublished = p.published;
    p.published = false;
    p.wire.isPublishing = false;
    const room = this.room(p);
    for (const other of room.values()) {
      const sub = other.subscriptions.get(p.wire.id);
      other.subscriptions.delete(p.wire.id);
      await sub?.close();
    }
    await leg.close();
    if (!wasPublished) return;
    this.publishersChanged(p.token.stageArn);
    this.publishingChanged({ stageArn: p.token.stageArn, sessionId: p.sessionId, participantId: p.wire.id, published: false });
    this.broadcast(room, { t: 'participant-updated', participant: p.wire });
    await this.emulator.setParticipantPublished(p.wire.id, false).catch(() => undefined);
    await this.emitStageUpdate(p, 'Participant Unpublished');
  }

  private async subscribe(p: Participant, targetId: string, sdp: string, kinds: MediaKind[]): Promise<void> {
    const room = this.room(p);
    const target = room.get(targetId);
    const subscribers = [...room.values()].filter((o) => o.subscriptions.size > 0).length;
    const decision = decideSubscribe({
      canSubscribe: p.token.canSubscribe,
      subscribers,
      alreadySubscriber: p.subscriptions.size > 0,
      maxSubscribers: this.options.maxSubscribers,
      targetPublishing: !!target?.publisher && target.published,
      targetIsSelf: targetId === p.wire.id,
    });
    if (!decision.ok || !target?.publisher) {
      const why = decision.ok ? { code: 'PARTICIPANT_NOT_PUBLISHING' as const, message: 'That participant is not publishing.' } : decision;
      return send(p.ws, { ...errorMessage('SUBSCRIBE_ERROR', why.code, why.message, false), participantId: targetId });
    }
    await p.subscriptions.get(targetId)?.close();
    const { leg, sdp: answer } = await SubscriberLeg.accept(sdp, target.publisher, kinds, (state) => {
      if (state !== 'connected' && p.subscriptions.get(targetId) === leg) {
        p.subscriptions.delete(targetId);
        void leg.close();
      }
    });
    if (p.gone || target.gone) {
      await leg.close();
      return;
    }
    p.subscriptions.set(targetId, leg);
    send(p.ws, { t: 'subscribe-answer', participantId: targetId, sdp: answer });
  }

  /** Drops a participant: its legs, its place in the room, and (unless replaced) its DB row. */
  private async leave(
    p: Participant,
    reason: StageLeftReasonName,
    opts: { tellSelf: boolean; keepDbRow?: boolean; lost?: boolean },
  ): Promise<void> {
    if (p.gone) return;
    await this.unpublish(p);
    p.gone = true;
    for (const leg of p.subscriptions.values()) await leg.close();
    p.subscriptions.clear();
    const room = this.room(p);
    if (room.get(p.wire.id) === p) room.delete(p.wire.id);
    if (room.size === 0) this.stages.delete(p.token.stageArn);
    this.broadcast(room, { t: 'participant-left', participantId: p.wire.id, lost: opts.lost ?? false });
    if (opts.tellSelf && p.ws.readyState === WebSocket.OPEN) {
      send(p.ws, { t: 'left', reason });
      p.ws.close(STAGE_CLOSE.left, reason);
    }
    if (!opts.keepDbRow) await this.emulator.participantLeft(p.wire.id).catch(() => undefined);
  }

  private room(p: Participant): Map<string, Participant> {
    return this.stages.get(p.token.stageArn) ?? new Map();
  }

  private broadcast(room: Map<string, Participant>, message: StageServerMessage, exceptId?: string): void {
    for (const other of room.values()) if (other.wire.id !== exceptId && !other.gone) send(other.ws, message);
  }

  private async emitStageUpdate(p: Participant, name: StageUpdateName, errorCode?: string): Promise<void> {
    const now = new Date();
    const envelope = buildStageUpdateEvent({
      name,
      time: now,
      eventTime: now,
      stageArn: p.token.stageArn,
      sessionId: p.sessionId,
      participantId: p.wire.id,
      userId: p.wire.userId,
      ...(errorCode ? { errorCode } : {}),
    });
    await this.sink.emit(envelope).catch((err: unknown) => this.logger.error(`event sink failed for ${name}`, String(err)));
  }
}

function send(ws: WebSocket, message: StageServerMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

type ErrorMessage = Extract<StageServerMessage, { t: 'error' }>;

function errorMessage(category: StageErrorCategory, code: StageErrorCodeName, message: string, fatal: boolean): ErrorMessage {
  return { t: 'error', category, code, message, fatal };
}
