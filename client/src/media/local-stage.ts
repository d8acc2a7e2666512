import {
  heartbeatSilent,
  parseStageServerMessage,
  STAGE_HEARTBEAT_DEAD_MS,
  STAGE_HEARTBEAT_INTERVAL_MS,
  STAGE_MAX_JOIN_OFFER,
  type StageClientMessageInput,
  type StageServerMessage,
  type WireParticipant,
} from '@streamcat/protocol/stage-signalling';
import {
  type LocalStageStream,
  sameStreams,
  type StageAdapter,
  StageConnectionState,
  StageEmitter,
  type StageError,
  type StageErrorCategory,
  type StageLeftReason,
  StageParticipantPublishState,
  type StageParticipantInfo,
  StageParticipantSubscribeState,
  type StageStream,
  type StageStrategy,
  SubscribeType,
} from './stage-adapter';
import { nextReconnectStep, STAGE_REJOIN_ATTEMPT_TIMEOUT_MS, stageReconnectLimitMs } from './stage-reconnect';

const ICE_GATHER_TIMEOUT_MS = 2_000;
/** A media connection that has not come up by then is treated as failed and tried again. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Retries after a failed publish or subscribe, like the SDK: a few, further apart each time. */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 8_000];

interface RemoteParticipant {
  info: StageParticipantInfo;
  subscription?: { pc: RTCPeerConnection; type: SubscribeType; streams: StageStream[]; announced: boolean };
  /** Failed subscribe attempts in a row; reset once one connects. */
  failures: number;
  retry?: ReturnType<typeof setTimeout>;
}

/** What a participant token says of itself (a JWT; the signature is the server's business). */
interface TokenClaims {
  events_url?: string;
  user_id?: string;
  attributes?: Record<string, string>;
  capabilities?: { allow_publish?: boolean; allow_subscribe?: boolean };
}

function claimsOf(token: string): TokenClaims {
  const payload = token.split('.')[1] ?? '';
  const json = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(json) as TokenClaims;
}

/** Reads `events_url` from the participant token. */
export function eventsUrlOf(token: string): string {
  const claims = claimsOf(token);
  if (!claims.events_url) throw new Error('participant token has no events_url');
  return claims.events_url;
}

function toInfo(w: WireParticipant, isLocal: boolean): StageParticipantInfo {
  return {
    id: w.id,
    userId: w.userId,
    attributes: w.attributes,
    capabilities: new Set(w.capabilities),
    isLocal,
    videoStopped: w.videoStopped,
    audioMuted: w.audioMuted,
    isPublishing: w.isPublishing,
  };
}

function stageError(category: StageErrorCategory, code: string, message: string, participantId?: string): StageError {
  return { name: 'StageError', category, code, message, ...(participantId ? { participantId } : {}) };
}

/** A new encoder cap for a published track, applied live (no renegotiation); null lifts it. */
async function capBitrate(sender: RTCRtpSender, kbps: number | null): Promise<void> {
  const params = sender.getParameters();
  if (!params.encodings?.length) return;
  for (const e of params.encodings) {
    if (kbps) e.maxBitrate = kbps * 1000;
    else delete e.maxBitrate;
  }
  // A closed connection refuses: nothing is being sent to cap.
  await sender.setParameters(params).catch(() => undefined);
}

/**
 * How long after the latest UDP candidate an offer waits for another one. Chromium gathers in
 * steps 50 ms or more apart: the UDP host candidates of every interface come together in the
 * first step (within a few ms), TCP candidates only in a later one, so gathering "completes"
 * some 120 ms after the candidates the SFU can use (werift speaks ICE over UDP only) are in.
 */
const UDP_GATHER_QUIET_MS = 30;

/**
 * Offers once the local UDP candidates are in the SDP (the server does not trickle): when
 * gathering completes, or UDP_GATHER_QUIET_MS after the latest UDP candidate, whichever is
 * first; at the latest after ICE_GATHER_TIMEOUT_MS.
 */
async function gatheredOffer(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      let quiet: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(quiet);
        pc.removeEventListener('icegatheringstatechange', check);
        pc.removeEventListener('icecandidate', onCandidate);
        resolve();
      };
      const check = () => pc.iceGatheringState === 'complete' && done();
      const onCandidate = (e: RTCPeerConnectionIceEvent) => {
        if (e.candidate?.protocol !== 'udp') return;
        clearTimeout(quiet);
        quiet = setTimeout(done, UDP_GATHER_QUIET_MS);
      };
      const timer = setTimeout(done, ICE_GATHER_TIMEOUT_MS);
      pc.addEventListener('icegatheringstatechange', check);
      pc.addEventListener('icecandidate', onCandidate);
      // Candidates gathered before the listener was added are already in the description.
      if (/^a=candidate:\S+ \d+ udp /im.test(pc.localDescription?.sdp ?? '')) quiet = setTimeout(done, UDP_GATHER_QUIET_MS);
    });
  }
  return pc.localDescription!.sdp;
}

/**
 * A publishing peer connection made ahead of the stage's signalling: its tracks added and its
 * offer gathered while the token is fetched and the socket joins, so publishing does not wait
 * for ICE gathering after `joined`. Nothing is sent before the SFU answers (and the SFU answers
 * only a participant whose token may publish); an unused one is closed.
 */
export interface PreparedPublish {
  readonly pc: RTCPeerConnection;
  readonly streams: LocalStageStream[];
  readonly offer: Promise<string>;
  close(): void;
}

export function preparePublish(streams: LocalStageStream[]): PreparedPublish {
  // One transport for audio and video: half the candidates to gather and check.
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  for (const s of streams) {
    const cap = s.maxBitrateKbps;
    pc.addTransceiver(s.mediaStreamTrack, { direction: 'sendonly', ...(cap ? { sendEncodings: [{ maxBitrate: cap * 1000 }] } : {}) });
  }
  const offer = gatheredOffer(pc);
  // A closed connection's offer is never read; its rejection is not an error.
  offer.catch(() => undefined);
  return { pc, streams: [...streams], offer, close: () => pc.close() };
}

/** The publish message's mute flags for these streams. */
function muteStateOf(streams: LocalStageStream[]): { audioMuted: boolean; videoStopped: boolean } {
  return {
    audioMuted: streams.find((s) => s.streamType === 'audio')?.isMuted ?? false,
    videoStopped: streams.find((s) => s.streamType === 'video')?.isMuted ?? false,
  };
}

/**
 * StageAdapter against the emulator's SFU (one websocket for signalling and events, one
 * peer connection to publish, one per subscribed participant). Emits the SDK's events in
 * the SDK's order: connection state, joins, publish/subscribe states, streams, mutes, left.
 */
export class LocalStage extends StageEmitter implements StageAdapter {
  private state: StageConnectionState = StageConnectionState.DISCONNECTED;
  private ws?: WebSocket;
  private self?: StageParticipantInfo;
  private readonly remotes = new Map<string, RemoteParticipant>();
  private publishing?: { pc: RTCPeerConnection; streams: LocalStageStream[]; unlisten: (() => void)[] };
  private publishFailures = 0;
  private publishRetry?: ReturnType<typeof setTimeout>;
  private pendingJoin?: { resolve: () => void; reject: (e: StageError) => void };
  private prepared?: PreparedPublish;
  /** The connection whose offer went with the join: publishing starts with `joined`. */
  private joinPublish?: PreparedPublish;
  private heartbeat?: { timer: ReturnType<typeof setInterval>; lastHeardAt: number; lastCheckAt: number; n: number };
  /** Set from a drop until `joined` again (or giving up): the rejoin attempts, with the same token. */
  private reconnecting?: { startedAt: number; attempts: number; timer?: ReturnType<typeof setTimeout> };

  constructor(
    private readonly token: string,
    private strategy: StageStrategy,
    private readonly eventsUrl: string = eventsUrlOf(token),
    /** How long a dropped connection is rejoined before the stage gives up (ERRORED). */
    private readonly reconnectLimitMs: number = stageReconnectLimitMs(),
  ) {
    super();
  }

  get connectionState(): StageConnectionState {
    return this.state;
  }

  /** The SDK allows swapping the strategy object; refreshStrategy() then applies it. */
  replaceStrategy(strategy: StageStrategy): void {
    this.strategy = strategy;
  }

  /**
   * Publishing will use this connection if, once joined, the strategy publishes the same
   * streams (otherwise it is closed). Without one, join() prepares its own as it connects.
   */
  adoptPrepared(prepared: PreparedPublish): void {
    this.prepared?.close();
    this.prepared = prepared;
  }

  join(): Promise<void> {
    if (this.ws || this.reconnecting) return Promise.reject(stageError('JOIN_ERROR', 'ALREADY_JOINED', 'join() was already called'));
    this.setState(StageConnectionState.CONNECTING);
    // Gathering runs while the socket connects and the token is checked (publishers only: the
    // strategy cannot know our capabilities yet, but a viewer's strategy publishes nothing).
    if (!this.prepared) {
      const streams = this.strategy.stageStreamsToPublish();
      if (streams.length > 0) this.prepared = preparePublish(streams);
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      const ws = this.openSocket();
      ws.onopen = () => void this.sendJoin(ws);
    });
  }

  /** A signalling socket that is `this.ws`; its events are ignored once it is not. */
  private openSocket(): WebSocket {
    const ws = new WebSocket(this.eventsUrl);
    this.ws = ws;
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      if (this.heartbeat) this.heartbeat.lastHeardAt = Date.now();
      // Frames that are not one of the SFU's messages are dropped, never half-read.
      const m = typeof e.data === 'string' ? parseStageServerMessage(e.data) : undefined;
      if (m) void this.onMessage(m);
    };
    ws.onclose = () => this.ws === ws && this.onSocketClosed();
    return ws;
  }

  /** Closes the current socket without hearing from it again (a dead one may never say it closed). */
  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.onopen = null;
    ws.onclose = null;
    ws.onmessage = null;
    ws.close();
  }

  /** Pings the SFU and watches for its answers: a network that drops silently is noticed within seconds. */
  private startHeartbeat(): void {
    this.stopHeartbeat();
    const now = Date.now();
    const hb = { lastHeardAt: now, lastCheckAt: now, n: 0, timer: undefined as unknown as ReturnType<typeof setInterval> };
    hb.timer = setInterval(() => {
      const at = Date.now();
      // The page's side of the heartbeat; a page stalled itself (hidden tab, busy machine) is excused.
      const dead = heartbeatSilent({
        silentMs: at - hb.lastHeardAt,
        deadMs: STAGE_HEARTBEAT_DEAD_MS,
        sinceLastCheckMs: at - hb.lastCheckAt,
        checkIntervalMs: STAGE_HEARTBEAT_INTERVAL_MS,
      });
      hb.lastCheckAt = at;
      if (dead) return this.connectionLost();
      this.send({ t: 'ping', n: hb.n++ });
    }, STAGE_HEARTBEAT_INTERVAL_MS);
    this.heartbeat = hb;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat.timer);
    this.heartbeat = undefined;
  }

  /**
   * The joined connection dropped (socket closed without `left`, or silent): media goes down with
   * it, the participants stay known, and the stage joins again with the same token (CONNECTING
   * meanwhile, as the SDK reports its own reconnect).
   */
  private connectionLost(): void {
    if (this.reconnecting || !this.self) return;
    this.dropSocket();
    this.stopHeartbeat();
    this.reconnecting = { startedAt: Date.now(), attempts: 0 };
    this.setState(StageConnectionState.CONNECTING);
    clearTimeout(this.publishRetry);
    this.publishFailures = 0;
    this.prepared?.close();
    this.prepared = undefined;
    this.stopPublishing(false);
    for (const remote of this.remotes.values()) {
      clearTimeout(remote.retry);
      remote.failures = 0;
      this.dropSubscription(remote);
    }
    this.scheduleRejoin(null);
  }

  private scheduleRejoin(refusedWith: string | null): void {
    const r = this.reconnecting;
    if (!r) return;
    clearTimeout(r.timer);
    const step = nextReconnectStep({
      attempt: r.attempts,
      elapsedMs: Date.now() - r.startedAt,
      limitMs: this.reconnectLimitMs,
      refusedWith,
    });
    if (step.kind === 'give-up') return this.giveUp(step.why, refusedWith);
    r.timer = setTimeout(() => this.rejoin(), step.delayMs);
  }

  private rejoin(): void {
    const r = this.reconnecting;
    if (!r) return;
    r.attempts++;
    const ws = this.openSocket();
    ws.onopen = () => this.send({ t: 'join', token: this.token });
    // An attempt that hangs (a network still half there) is given up for the next one, or at the limit.
    const untilLimit = Math.max(0, r.startedAt + this.reconnectLimitMs - Date.now());
    r.timer = setTimeout(() => this.ws === ws && this.rejoinFailed(null), Math.min(STAGE_REJOIN_ATTEMPT_TIMEOUT_MS, untilLimit));
  }

  private rejoinFailed(refusedWith: string | null): void {
    this.dropSocket();
    this.scheduleRejoin(refusedWith);
  }

  private giveUp(why: 'limit' | 'refused', code: string | null): void {
    this.reconnecting = undefined;
    const error =
      why === 'limit'
        ? stageError(
            'JOIN_ERROR',
            'CONNECTION_LOST',
            `The stage could not be reached again within ${Math.round(this.reconnectLimitMs / 1000)} s.`,
          )
        : stageError('JOIN_ERROR', code ?? 'FAILED', 'The stage refused to take this connection back.');
    this.emit('error', error);
    this.setState(StageConnectionState.ERRORED);
    this.teardown('unknown');
  }

  /** Joined again after a drop: the participants reconciled with the SFU's list, then publish and subscribe again. */
  private onRejoined(m: Extract<StageServerMessage, { t: 'joined' }>): void {
    const r = this.reconnecting;
    if (r) clearTimeout(r.timer);
    this.reconnecting = undefined;
    this.self = toInfo(m.self, true);
    this.setState(StageConnectionState.CONNECTED);
    this.startHeartbeat();
    const listed = new Set(m.participants.map((w) => w.id));
    for (const [id, remote] of [...this.remotes]) {
      if (listed.has(id)) continue;
      clearTimeout(remote.retry);
      this.remotes.delete(id);
      this.emit('stageParticipantLeft', remote.info);
    }
    for (const w of m.participants) {
      if (this.remotes.has(w.id)) this.updateRemote(w);
      else this.addRemote(w);
    }
    this.refreshStrategy();
  }

  /**
   * Joins, with the publishing offer in the same message when the token may publish, the
   * strategy publishes, and the offer is ready (a publish-only participant waits for it: it has
   * nothing else to do; one that also subscribes never delays its join for it).
   */
  private async sendJoin(ws: WebSocket): Promise<void> {
    const offer = await this.offerForJoin();
    if (this.ws !== ws) return offer?.prepared.close();
    if (!offer) return this.send({ t: 'join', token: this.token });
    this.prepared = undefined;
    this.joinPublish = offer.prepared;
    const { audioMuted, videoStopped } = muteStateOf(offer.prepared.streams);
    this.send({ t: 'join', token: this.token, publish: { sdp: offer.sdp, audioMuted, videoStopped } });
  }

  private async offerForJoin(): Promise<{ prepared: PreparedPublish; sdp: string } | null> {
    const prepared = this.prepared;
    if (!prepared) return null;
    const claims = claimsOf(this.token);
    if (!claims.capabilities?.allow_publish) return null;
    // Who we will be once joined, as far as the token tells (the id comes with `joined`).
    const self: StageParticipantInfo = {
      id: '',
      userId: claims.user_id ?? '',
      attributes: claims.attributes ?? {},
      capabilities: new Set(claims.capabilities.allow_subscribe ? ['publish', 'subscribe'] : ['publish']),
      isLocal: true,
      videoStopped: false,
      audioMuted: false,
      isPublishing: false,
    };
    if (!this.strategy.shouldPublishParticipant(self) || !sameStreams(this.strategy.stageStreamsToPublish(), prepared.streams)) return null;
    const ready = claims.capabilities.allow_subscribe ? Promise.race([prepared.offer, Promise.resolve(null)]) : prepared.offer;
    const sdp = await ready.catch(() => null);
    if (!sdp || sdp.length > STAGE_MAX_JOIN_OFFER || this.prepared !== prepared) return null;
    return { prepared, sdp };
  }

  leave(): void {
    if (!this.ws && !this.reconnecting) {
      this.prepared?.close();
      this.prepared = undefined;
      return;
    }
    this.send({ t: 'leave' });
    this.teardown('user-initiated');
  }

  refreshStrategy(): void {
    if (this.state !== StageConnectionState.CONNECTED || !this.self) return;
    const wantPublish = this.self.capabilities.has('publish') && this.strategy.shouldPublishParticipant(this.self);
    const streams = wantPublish ? this.strategy.stageStreamsToPublish() : [];
    const same = this.publishing && sameStreams(streams, this.publishing.streams);
    if (streams.length === 0) {
      this.prepared?.close();
      this.prepared = undefined;
    }
    if (streams.length === 0 && this.publishing) this.stopPublishing(true);
    else if (streams.length > 0 && !same) void this.publish(streams);
    for (const remote of this.remotes.values()) this.applySubscription(remote);
  }

  private setState(state: StageConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('stageConnectionStateChanged', state);
  }

  private send(message: StageClientMessageInput): void {
    // A rejoining socket carries its join first: anything else before `joined` would end it.
    if (this.reconnecting && message.t !== 'join' && message.t !== 'leave') return;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private async onMessage(m: StageServerMessage): Promise<void> {
    switch (m.t) {
      case 'joined': {
        if (this.reconnecting) return this.onRejoined(m);
        this.self = toInfo(m.self, true);
        this.setState(StageConnectionState.CONNECTED);
        this.pendingJoin?.resolve();
        this.pendingJoin = undefined;
        this.startHeartbeat();
        this.emit('stageParticipantJoined', this.self);
        for (const w of m.participants) this.addRemote(w);
        const sent = this.joinPublish;
        this.joinPublish = undefined;
        if (sent) this.startPublishing(sent);
        this.refreshStrategy();
        return;
      }
      case 'participant-joined':
        this.addRemote(m.participant);
        this.applySubscription(this.remotes.get(m.participant.id)!);
        return;
      case 'participant-updated':
        return this.updateRemote(m.participant);
      case 'participant-left': {
        const remote = this.remotes.get(m.participantId);
        if (!remote) return;
        clearTimeout(remote.retry);
        this.dropSubscription(remote);
        this.remotes.delete(m.participantId);
        this.emit('stageParticipantLeft', remote.info, m.lost === undefined ? undefined : { lost: m.lost });
        return;
      }
      case 'publish-answer':
        await this.publishing?.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        return;
      case 'published':
        if (!this.self || !this.publishing) return;
        this.publishFailures = 0;
        this.self.isPublishing = true;
        this.emit('stageParticipantPublishStateChanged', this.self, StageParticipantPublishState.PUBLISHED);
        this.emit('stageParticipantStreamsAdded', this.self, [...this.publishing.streams]);
        return;
      case 'subscribe-answer':
        await this.remotes.get(m.participantId)?.subscription?.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        return;
      case 'error':
        return this.onError(m);
      case 'left':
        this.teardown(m.reason);
        return;
      case 'pong':
        return;
    }
  }

  private onError(m: Extract<StageServerMessage, { t: 'error' }>): void {
    const error = stageError(m.category, m.code, m.message, m.participantId);
    // A rejoin refused: tried again unless the refusal is final (a spent or expired token).
    if (this.reconnecting && m.category === 'JOIN_ERROR' && m.fatal) return this.rejoinFailed(m.code);
    if (m.category === 'JOIN_ERROR' && m.fatal) {
      this.pendingJoin?.reject(error);
      this.pendingJoin = undefined;
      this.emit('error', error);
      this.setState(StageConnectionState.ERRORED);
      return;
    }
    this.emit('error', error);
    // Refusals (stage full, not allowed) are final; only broken connections are retried.
    if (m.category === 'PUBLISH_ERROR' && this.self) {
      this.stopPublishing(false);
      this.emit('stageParticipantPublishStateChanged', this.self, StageParticipantPublishState.ERRORED);
    }
    if (m.category === 'SUBSCRIBE_ERROR' && m.participantId) {
      const remote = this.remotes.get(m.participantId);
      if (remote?.subscription) {
        remote.subscription.pc.close();
        remote.subscription = undefined;
        this.emit('stageParticipantSubscribeStateChanged', remote.info, StageParticipantSubscribeState.ERRORED);
      }
    }
  }

  private addRemote(w: WireParticipant): void {
    const info = toInfo(w, false);
    this.remotes.set(w.id, { info, failures: 0 });
    this.emit('stageParticipantJoined', info);
    if (info.isPublishing) this.emit('stageParticipantPublishStateChanged', info, StageParticipantPublishState.PUBLISHED);
  }

  private updateRemote(w: WireParticipant): void {
    if (w.id === this.self?.id) return;
    const remote = this.remotes.get(w.id);
    if (!remote) return;
    const info = remote.info;
    const wasPublishing = info.isPublishing;
    const muteChanged = info.audioMuted !== w.audioMuted || info.videoStopped !== w.videoStopped;
    info.audioMuted = w.audioMuted;
    info.videoStopped = w.videoStopped;
    info.isPublishing = w.isPublishing;
    if (wasPublishing !== w.isPublishing) {
      if (!w.isPublishing) this.dropSubscription(remote);
      this.emit(
        'stageParticipantPublishStateChanged',
        info,
        w.isPublishing ? StageParticipantPublishState.PUBLISHED : StageParticipantPublishState.NOT_PUBLISHED,
      );
      this.applySubscription(remote);
    }
    if (muteChanged && remote.subscription?.announced) {
      for (const s of remote.subscription.streams) this.emit('stageStreamMuteChanged', info, s);
    }
  }

  private async publish(streams: LocalStageStream[]): Promise<void> {
    if (!this.self) return;
    this.stopPublishing(false);
    const prepared = this.takePrepared(streams) ?? preparePublish(streams);
    const pc = this.startPublishing(prepared);
    const sdp = await prepared.offer.catch(() => null);
    if (this.publishing?.pc !== pc) return;
    if (sdp === null) return this.publishFailed(pc);
    this.send({ t: 'publish', sdp, ...muteStateOf(streams) });
  }

  /** Makes `prepared` the publishing connection (its offer sent, or about to be): caps, mutes, and a deadline to connect. */
  private startPublishing(prepared: PreparedPublish): RTCPeerConnection {
    const { pc, streams } = prepared;
    const unlisten = streams.map((s) => s.onMuteChanged(() => this.sendMute()));
    this.publishing = { pc, streams, unlisten };
    if (this.self) this.emit('stageParticipantPublishStateChanged', this.self, StageParticipantPublishState.ATTEMPTING_PUBLISH);
    pc.getTransceivers().forEach((t, i) => {
      const s = streams[i];
      if (s?.streamType !== 'video') return;
      unlisten.push(s.onMaxBitrateChanged(() => void capBitrate(t.sender, s.maxBitrateKbps)));
      // The cap may have moved since the connection was prepared.
      const cap = s.maxBitrateKbps;
      if ((t.sender.getParameters().encodings?.[0]?.maxBitrate ?? null) !== (cap ? cap * 1000 : null)) void capBitrate(t.sender, cap);
    });
    const timer = setTimeout(() => pc.connectionState !== 'connected' && this.publishFailed(pc), CONNECT_TIMEOUT_MS);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected' || pc.connectionState === 'closed') clearTimeout(timer);
      if (pc.connectionState === 'failed') this.publishFailed(pc);
    });
    return pc;
  }

  private publishFailed(pc: RTCPeerConnection): void {
    if (this.publishing?.pc !== pc) return;
    this.stopPublishing(true);
    if (this.self) this.emit('stageParticipantPublishStateChanged', this.self, StageParticipantPublishState.ERRORED);
    this.retryPublish();
  }

  /** The prepared connection, if it carries exactly these streams; closed otherwise. */
  private takePrepared(streams: LocalStageStream[]): PreparedPublish | undefined {
    const prepared = this.prepared;
    this.prepared = undefined;
    if (prepared && sameStreams(prepared.streams, streams) && prepared.pc.signalingState === 'have-local-offer') return prepared;
    prepared?.close();
    return undefined;
  }

  /** Publishes again after a broken connection, if the strategy still wants it. */
  private retryPublish(): void {
    clearTimeout(this.publishRetry);
    const delay = RETRY_DELAYS_MS[this.publishFailures++];
    if (delay === undefined) return;
    this.publishRetry = setTimeout(() => this.refreshStrategy(), delay);
  }

  private sendMute(): void {
    const { audioMuted, videoStopped } = muteStateOf(this.publishing?.streams ?? []);
    if (this.self) {
      this.self.audioMuted = audioMuted;
      this.self.videoStopped = videoStopped;
    }
    this.send({ t: 'mute', audioMuted, videoStopped });
  }

  private stopPublishing(tellServer: boolean): void {
    const p = this.publishing;
    if (!p) return;
    this.publishing = undefined;
    for (const off of p.unlisten) off();
    p.pc.close();
    if (tellServer) this.send({ t: 'unpublish' });
    if (this.self?.isPublishing) {
      this.self.isPublishing = false;
      this.emit('stageParticipantStreamsRemoved', this.self, [...p.streams]);
      this.emit('stageParticipantPublishStateChanged', this.self, StageParticipantPublishState.NOT_PUBLISHED);
    }
  }

  private applySubscription(remote: RemoteParticipant): void {
    if (!this.self?.capabilities.has('subscribe')) return;
    const wanted = remote.info.isPublishing ? this.strategy.shouldSubscribeToParticipant(remote.info) : SubscribeType.NONE;
    const current = remote.subscription?.type ?? SubscribeType.NONE;
    if (wanted === current) return;
    if (remote.subscription) {
      this.dropSubscription(remote);
      this.send({ t: 'unsubscribe', participantId: remote.info.id });
    }
    if (wanted !== SubscribeType.NONE) void this.subscribe(remote, wanted);
  }

  private async subscribe(remote: RemoteParticipant, type: SubscribeType): Promise<void> {
    // One transport for both kinds, as the SFU answers: one set of candidates to gather.
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const sub = { pc, type, streams: [] as StageStream[], announced: false };
    remote.subscription = sub;
    this.emit('stageParticipantSubscribeStateChanged', remote.info, StageParticipantSubscribeState.ATTEMPTING_SUBSCRIBE);
    pc.addTransceiver('audio', { direction: 'recvonly' });
    if (type === SubscribeType.AUDIO_VIDEO) pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addEventListener('track', (e) => {
      const track = e.track;
      const streamType = track.kind === 'audio' ? 'audio' : 'video';
      sub.streams.push({
        id: track.id,
        streamType,
        mediaStreamTrack: track,
        get isMuted() {
          return streamType === 'audio' ? remote.info.audioMuted : remote.info.videoStopped;
        },
      });
    });
    const failed = () => {
      if (remote.subscription !== sub) return;
      this.dropSubscription(remote);
      this.send({ t: 'unsubscribe', participantId: remote.info.id });
      this.emit('stageParticipantSubscribeStateChanged', remote.info, StageParticipantSubscribeState.ERRORED);
      this.retrySubscribe(remote);
    };
    const timer = setTimeout(() => !sub.announced && failed(), CONNECT_TIMEOUT_MS);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected' || pc.connectionState === 'closed') clearTimeout(timer);
      if (remote.subscription !== sub) return;
      if (pc.connectionState === 'connected' && !sub.announced) {
        sub.announced = true;
        remote.failures = 0;
        this.emit('stageParticipantSubscribeStateChanged', remote.info, StageParticipantSubscribeState.SUBSCRIBED);
        this.emit('stageParticipantStreamsAdded', remote.info, [...sub.streams]);
      } else if (pc.connectionState === 'failed') {
        failed();
      }
    });
    const sdp = await gatheredOffer(pc);
    if (remote.subscription !== sub) return;
    this.send({
      t: 'subscribe',
      participantId: remote.info.id,
      sdp,
      type: type === SubscribeType.AUDIO_ONLY ? 'audio_only' : 'audio_video',
    });
  }

  /** Subscribes again after a broken connection, while that participant is still here. */
  private retrySubscribe(remote: RemoteParticipant): void {
    clearTimeout(remote.retry);
    const delay = RETRY_DELAYS_MS[remote.failures++];
    if (delay === undefined) return;
    remote.retry = setTimeout(() => {
      if (this.remotes.get(remote.info.id) === remote) this.applySubscription(remote);
    }, delay);
  }

  private dropSubscription(remote: RemoteParticipant): void {
    const sub = remote.subscription;
    if (!sub) return;
    remote.subscription = undefined;
    sub.pc.close();
    if (sub.announced) this.emit('stageParticipantStreamsRemoved', remote.info, [...sub.streams]);
    this.emit('stageParticipantSubscribeStateChanged', remote.info, StageParticipantSubscribeState.NOT_SUBSCRIBED);
  }

  private onSocketClosed(): void {
    if (!this.ws) return;
    if (this.reconnecting) return this.rejoinFailed(null);
    // Closed under a joined stage without `left`: the network, the server restarting. Join again.
    if (this.state === StageConnectionState.CONNECTED && this.self) return this.connectionLost();
    if (this.pendingJoin) {
      this.pendingJoin.reject(stageError('JOIN_ERROR', 'CONNECTION_CLOSED', 'The stage connection closed before joining.'));
      this.pendingJoin = undefined;
    }
    const wasConnected = this.state === StageConnectionState.CONNECTED;
    this.teardown(wasConnected ? 'unknown' : null);
    if (!wasConnected && this.state !== StageConnectionState.ERRORED) this.setState(StageConnectionState.ERRORED);
  }

  /** Ends everything local; `reason` null means "never joined", so no stageLeft. */
  private teardown(reason: StageLeftReason | null): void {
    this.dropSocket();
    this.stopHeartbeat();
    clearTimeout(this.reconnecting?.timer);
    this.reconnecting = undefined;
    clearTimeout(this.publishRetry);
    this.prepared?.close();
    this.prepared = undefined;
    this.joinPublish?.close();
    this.joinPublish = undefined;
    this.stopPublishing(false);
    for (const remote of this.remotes.values()) {
      clearTimeout(remote.retry);
      this.dropSubscription(remote);
      this.emit('stageParticipantLeft', remote.info);
    }
    this.remotes.clear();
    if (reason && this.self) this.emit('stageLeft', reason);
    this.self = undefined;
    if (this.state !== StageConnectionState.ERRORED) this.setState(StageConnectionState.DISCONNECTED);
  }
}
