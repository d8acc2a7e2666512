import { describe, expect, test } from '@jest/globals';
import { IvsStage, type IvsStageSdk } from './ivs-stage';
import { LocalStageStream, SubscribeType, type StageParticipantInfo, type StageStrategy } from './stage-adapter';
import { channelMode, stageMode } from './media-mode';
import { lostByError, myStageLink, type StageLink } from '../studio/stage-reconnect';

// A stand-in for the SDK: records the strategy it was given and lets the test fire its events.
class FakeSdkStage {
  static last: FakeSdkStage;
  readonly listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  constructor(
    readonly token: string,
    readonly strategy: { stageStreamsToPublish(): unknown[]; shouldSubscribeToParticipant(p: unknown): unknown },
  ) {
    FakeSdkStage.last = this;
  }
  on(event: string, l: (...a: unknown[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
  }
  fire(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  join() {
    return Promise.reject({ code: 2, category: 'JOIN_ERROR', message: 'Token expired' });
  }
  leave() {}
  refreshStrategy() {}
}
class FakeSdkLocalStream {
  muted = false;
  constructor(readonly mediaStreamTrack: unknown) {}
  setMuted(m: boolean) {
    this.muted = m;
  }
}
const sdk = {
  Stage: FakeSdkStage,
  LocalStageStream: FakeSdkLocalStream,
  StageEvents: {
    STAGE_CONNECTION_STATE_CHANGED: 'stageConnectionStateChanged',
    STAGE_PARTICIPANT_JOINED: 'stageParticipantJoined',
    STAGE_PARTICIPANT_LEFT: 'stageParticipantLeft',
    STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED: 'stageParticipantPublishStateChanged',
    STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED: 'stageParticipantSubscribeStateChanged',
    STAGE_PARTICIPANT_STREAMS_ADDED: 'stageParticipantStreamsAdded',
    STAGE_PARTICIPANT_STREAMS_REMOVED: 'stageParticipantStreamsRemoved',
    STAGE_STREAM_MUTE_CHANGED: 'stageStreamMuteChanged',
    ERROR: 'error',
    STAGE_LEFT: 'stageLeft',
  },
} as unknown as IvsStageSdk;

const sdkParticipant = {
  id: 'p1',
  userId: 'member-7',
  attributes: { username: 'bob', extra: { a: 1 } },
  capabilities: new Set(['publish', 'subscribe']),
  isLocal: false,
  userInfo: {},
  videoStopped: false,
  audioMuted: true,
  isPublishing: true,
};
const track = (kind: string) => ({ id: `${kind}-1`, kind, enabled: true }) as unknown as MediaStreamTrack;

describe('IvsStage (IVS SDK wrapper)', () => {
  const mic = new LocalStageStream(track('audio'));
  const strategy: StageStrategy = {
    stageStreamsToPublish: () => [mic],
    shouldPublishParticipant: () => true,
    shouldSubscribeToParticipant: () => SubscribeType.AUDIO_VIDEO,
  };

  test('forwards SDK events as ours, with participants converted and the member id in userId', () => {
    const stage = new IvsStage(sdk, 'tok', strategy);
    const joined: StageParticipantInfo[] = [];
    const added: { who: string; kinds: string[] }[] = [];
    const states: string[] = [];
    stage.on('stageParticipantJoined', (p) => joined.push(p));
    stage.on('stageParticipantStreamsAdded', (p, s) => added.push({ who: p.userId, kinds: s.map((x) => x.streamType) }));
    stage.on('stageConnectionStateChanged', (s) => states.push(s));
    const fake = FakeSdkStage.last;
    fake.fire('stageConnectionStateChanged', 'connected');
    fake.fire('stageParticipantJoined', sdkParticipant);
    fake.fire('stageParticipantStreamsAdded', sdkParticipant, [
      { id: 's1', streamType: 'video', mediaStreamTrack: track('video'), isMuted: false },
      { id: 's2', streamType: 'audio', mediaStreamTrack: track('audio'), isMuted: true },
    ]);
    expect(states).toEqual(['connected']);
    expect(stage.connectionState).toBe('connected');
    expect(joined[0]).toMatchObject({ id: 'p1', userId: 'member-7', audioMuted: true, isPublishing: true });
    expect(joined[0]?.attributes).toEqual({ username: 'bob', extra: '{"a":1}' });
    expect([...(joined[0]?.capabilities ?? [])]).toEqual(['publish', 'subscribe']);
    expect(added).toEqual([{ who: 'member-7', kinds: ['video', 'audio'] }]);
  });

  test('publishes our local streams as SDK streams, once each, and forwards mute', () => {
    new IvsStage(sdk, 'tok', strategy);
    const fake = FakeSdkStage.last;
    const first = fake.strategy.stageStreamsToPublish() as FakeSdkLocalStream[];
    const again = fake.strategy.stageStreamsToPublish() as FakeSdkLocalStream[];
    expect(first[0]).toBe(again[0]);
    expect(first[0]?.muted).toBe(false);
    mic.setMuted(true);
    expect(first[0]?.muted).toBe(true);
    expect(fake.strategy.shouldSubscribeToParticipant(sdkParticipant)).toBe('audio_video');
  });

  test('the SDK’s own reconnect shows in the studio as LocalStage’s does: reconnecting, back, then lost after its retries', () => {
    const stage = new IvsStage(sdk, 'tok', strategy);
    let link: StageLink | null = null;
    let wasConnected = false;
    const seen: (StageLink | null)[] = [];
    stage.on('stageConnectionStateChanged', (s) => {
      link = myStageLink(link, wasConnected, s);
      wasConnected ||= s === 'connected';
      seen.push(link);
    });
    stage.on('error', (e) => {
      if (lostByError(wasConnected, e)) seen.push((link = 'lost'));
    });
    const fake = FakeSdkStage.last;
    for (const s of ['connecting', 'connected', 'connecting', 'connected', 'connecting']) fake.fire('stageConnectionStateChanged', s);
    // After up to 30 s of its own retries the SDK reports FAILED (code 4), then its state.
    fake.fire('error', { code: 4, category: 'JOIN_ERROR', message: 'failed' });
    fake.fire('stageConnectionStateChanged', 'disconnected');
    expect(seen).toEqual([null, null, 'reconnecting', null, 'reconnecting', 'lost', 'lost']);
    expect(stage.connectionState).toBe('disconnected');
  });

  test('SDK error numbers become the stable names the studio explains', async () => {
    const stage = new IvsStage(sdk, 'tok', strategy);
    const errors: string[] = [];
    stage.on('error', (e) => errors.push(`${e.category}:${e.code}`));
    FakeSdkStage.last.fire('error', { code: 6, category: 'JOIN_ERROR', message: 'full' });
    expect(errors).toEqual(['JOIN_ERROR:STAGE_AT_CAPACITY']);
    await expect(stage.join()).rejects.toMatchObject({ name: 'StageError', code: 'TOKEN_EXPIRED' });
  });
});

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('choosing local or IVS media', () => {
  test('stage tokens: emulator events_url → local, IVS events_url or unreadable → IVS', () => {
    expect(stageMode(jwt({ events_url: 'ws://localhost:3000/_ivs/stage/events' }))).toBe('local');
    expect(stageMode(jwt({ events_url: 'wss://global.events.live-video.net' }))).toBe('ivs');
    expect(stageMode('not-a-jwt')).toBe('ivs');
  });
  test('channels: IVS playback host → IVS sink, anything else → local ingest', () => {
    expect(channelMode('https://abc.us-west-2.playback.live-video.net/api/video/v1/x.m3u8')).toBe('ivs');
    expect(channelMode('http://localhost:3000/_ivs/playback/abc/index.m3u8')).toBe('local');
    expect(channelMode('http://evil.live-video.net.example.com/x.m3u8')).toBe('local');
  });
});
