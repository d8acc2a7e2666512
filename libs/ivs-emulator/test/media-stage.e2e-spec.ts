import {
  CreateParticipantTokenCommand,
  CreateStageCommand,
  DisconnectParticipantCommand,
  ListParticipantsCommand,
  GetStageCommand,
} from '@aws-sdk/client-ivs-realtime';
import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, MediaApp, openHarness, startMediaApp } from './support/media-app';
import { nodePublisher, StageSocket } from './support/stage-socket';

type HarnessEvent = { event: string; participantId?: string; state?: string; reason?: string; code?: string; at: number };
type MediaStats = Record<string, { userId: string; framesDecoded: number; audioSamples: number }>;

declare const harness: {
  join(token: string, opts: { publish: boolean }): Promise<{ ok: boolean; code?: string }>;
  media(): Promise<MediaStats>;
  events(): HarnessEvent[];
  connectionState(): string | undefined;
};

describe('local stage SFU (headless Chromium, werift)', () => {
  let env: MediaApp;
  let browser: Browser;
  let clockOffsetMs = 0;
  const pages: Page[] = [];

  beforeAll(async () => {
    env = await startMediaApp({}, { clock: () => new Date(Date.now() + clockOffsetMs) });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  afterEach(async () => {
    clockOffsetMs = 0;
    for (const p of pages.splice(0)) await p.close();
  });

  async function newStage(): Promise<string> {
    const out = await env.realtime.send(new CreateStageCommand({}));
    return out.stage!.arn!;
  }

  async function token(stageArn: string, userId: string, capabilities: ('PUBLISH' | 'SUBSCRIBE')[] = ['PUBLISH', 'SUBSCRIBE']) {
    const out = await env.realtime.send(new CreateParticipantTokenCommand({ stageArn, userId, capabilities }));
    return { token: out.participantToken!.token!, participantId: out.participantToken!.participantId! };
  }

  async function page(): Promise<Page> {
    const p = await openHarness(browser, env.baseUrl);
    pages.push(p);
    return p;
  }

  const join = (p: Page, t: string, publish = true) =>
    p.evaluate(([tok, pub]) => harness.join(tok, { publish: pub }), [t, publish] as const);
  const media = (p: Page) => p.evaluate(() => harness.media());
  const events = (p: Page) => p.evaluate(() => harness.events());

  it('two publishers receive each other; a subscribe-only participant receives both and cannot publish', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const viewer = await token(stageArn, 'viewer', ['SUBSCRIBE']);
    const [pa, pb, pc] = [await page(), await page(), await page()];
    expect(await join(pa, alice.token)).toEqual({ ok: true });
    expect(await join(pb, bob.token)).toEqual({ ok: true });
    expect(await join(pc, viewer.token)).toEqual({ ok: true });

    const flowing = (stats: MediaStats, id: string) => (stats[id]?.framesDecoded ?? 0) > 5 && (stats[id]?.audioSamples ?? 0) > 0;
    const a1 = await eventually(async () => ((s) => (flowing(s, bob.participantId) ? s : null))(await media(pa)), 15_000);
    const b1 = await eventually(async () => ((s) => (flowing(s, alice.participantId) ? s : null))(await media(pb)), 15_000);
    const c1 = await eventually(async () => {
      const s = await media(pc);
      return flowing(s, alice.participantId) && flowing(s, bob.participantId) ? s : null;
    }, 15_000);
    // Still flowing a moment later: frames keep being decoded, not just a first keyframe.
    await new Promise((r) => setTimeout(r, 1_000));
    const [a2, c2] = [await media(pa), await media(pc)];
    expect(a2[bob.participantId]!.framesDecoded).toBeGreaterThan(a1[bob.participantId]!.framesDecoded);
    expect(a2[bob.participantId]!.audioSamples).toBeGreaterThan(a1[bob.participantId]!.audioSamples);
    expect(c2[alice.participantId]!.framesDecoded).toBeGreaterThan(c1[alice.participantId]!.framesDecoded);
    expect(b1[alice.participantId]!.userId).toBe('alice');

    // The subscribe-only page never tried to publish, and the others never saw it publish.
    const cEvents = await events(pc);
    expect(cEvents.filter((e) => e.event === 'publish' && e.participantId === viewer.participantId)).toEqual([]);
    expect((await events(pa)).some((e) => e.event === 'joined' && e.participantId === viewer.participantId)).toBe(true);

    // Asking anyway, over the wire, is refused by the server.
    const other = await token(stageArn, 'viewer2', ['SUBSCRIBE']);
    const raw = await StageSocket.open(env.baseUrl);
    raw.send({ t: 'join', token: other.token });
    await raw.next('joined');
    raw.send({ t: 'publish', sdp: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n', audioMuted: false, videoStopped: false });
    expect(await raw.next('error')).toMatchObject({ category: 'PUBLISH_ERROR', code: 'PUBLISH_NOT_ALLOWED' });
    raw.close();

    // A publisher-only token cannot subscribe either.
    const pubOnly = await token(stageArn, 'pubonly', ['PUBLISH']);
    const raw2 = await StageSocket.open(env.baseUrl);
    raw2.send({ t: 'join', token: pubOnly.token });
    await raw2.next('joined');
    raw2.send({ t: 'subscribe', participantId: alice.participantId, sdp: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n', type: 'audio_video' });
    expect(await raw2.next('error')).toMatchObject({ category: 'SUBSCRIBE_ERROR', code: 'SUBSCRIBE_NOT_ALLOWED' });
    raw2.close();

    // The control plane and the event pipeline saw the same facts.
    const sessionId = (await env.realtime.send(new GetStageCommand({ arn: stageArn }))).stage!.activeSessionId!;
    const listed = await env.realtime.send(new ListParticipantsCommand({ stageArn, sessionId, filterByPublished: true }));
    expect(listed.participants!.map((p) => p.userId).sort()).toEqual(['alice', 'bob']);
    const published = env.sink.envelopes.filter((e) => e['detail-type'] === 'IVS Stage Update' && e.resources[0] === stageArn);
    expect(published.map((e) => [e.detail.event_name, e.detail.user_id]).sort()).toEqual([
      ['Participant Publish Error', 'viewer2'],
      ['Participant Published', 'alice'],
      ['Participant Published', 'bob'],
    ]);
    expect(published[0]!.detail.session_id).toBe(sessionId);
  }, 60_000);

  it('an offer sent with the join publishes at once; a token that may not publish is refused as for publish, and stays joined', async () => {
    const stageArn = await newStage();
    const watcher = await StageSocket.open(env.baseUrl);
    watcher.send({ t: 'join', token: (await token(stageArn, 'watcher', ['SUBSCRIBE'])).token });
    await watcher.next('joined');

    const pub = await nodePublisher(env.baseUrl, (await token(stageArn, 'early')).token, { withJoin: true });
    expect(pub.socket.messages.map((m) => m.t).slice(0, 2)).toEqual(['joined', 'publish-answer']);
    await pub.socket.next('published', 20_000);
    await eventually(
      async () =>
        watcher.messages.some(
          (m) => m.t === 'participant-updated' && (m.participant as { userId: string; isPublishing: boolean }).userId === 'early',
        ),
      10_000,
    );

    // SUBSCRIBE only: the join stands, the offer is refused with IVS's code, nothing is published.
    const viewer = await StageSocket.open(env.baseUrl);
    viewer.send({
      t: 'join',
      token: (await token(stageArn, 'viewer', ['SUBSCRIBE'])).token,
      publish: { sdp: pub.pc.localDescription!.sdp },
    });
    await viewer.next('joined');
    expect(await viewer.next('error')).toMatchObject({ category: 'PUBLISH_ERROR', code: 'PUBLISH_NOT_ALLOWED', fatal: false });
    expect(viewer.messages.some((m) => m.t === 'publish-answer')).toBe(false);
    expect(viewer.closeCode).toBeUndefined();

    // An offer larger than a join may carry: the join is unreadable, and the socket is closed.
    const big = await StageSocket.open(env.baseUrl);
    big.send({ t: 'join', token: (await token(stageArn, 'big')).token, publish: { sdp: 'v=0\r\n'.padEnd(20 * 1024, 'a') } });
    await eventually(async () => big.closeCode !== undefined, 5_000);
    expect(big.messages.some((m) => m.t === 'joined')).toBe(false);
    for (const s of [watcher, viewer, pub.socket]) s.close();
    await pub.pc.close();
  }, 60_000);

  it('refuses the 13th publisher with STAGE_AT_CAPACITY', async () => {
    const stageArn = await newStage();
    const publishers: Awaited<ReturnType<typeof nodePublisher>>[] = [];
    for (let i = 0; i < 12; i++) publishers.push(await nodePublisher(env.baseUrl, (await token(stageArn, `p${i}`)).token));
    // Twelve DTLS handshakes in one Node process (werift) on two shared cores: allow for a busy machine.
    await eventually(async () => (await Promise.all(publishers.map((p) => p.socket.next('published', 40_000)))).length === 12, 45_000);
    const thirteenth = await token(stageArn, 'p12');
    const p = await page();
    expect(await join(p, thirteenth.token)).toEqual({ ok: true });
    const refused = await eventually(async () => (await events(p)).find((e) => e.event === 'error'), 10_000);
    expect(refused).toMatchObject({ code: 'STAGE_AT_CAPACITY', state: 'PUBLISH_ERROR' });
    expect(await events(p)).toContainEqual(
      expect.objectContaining({ event: 'publish', participantId: thirteenth.participantId, state: 'errored' }),
    );
    const errors = env.sink.envelopes.filter((e) => e.resources[0] === stageArn && e.detail.event_name === 'Participant Publish Error');
    expect(errors.map((e) => [e.detail.participant_id, e.detail.error_code])).toEqual([[thirteenth.participantId, 'STAGE_AT_CAPACITY']]);
    // The refused page still subscribes like any participant.
    await eventually(async () => Object.keys(await media(p)).length >= 1, 10_000);
    for (const pub of publishers) {
      pub.socket.close();
      await pub.pc.close();
    }
  }, 120_000);

  it('DisconnectParticipant removes the page within 2 s and kills its token', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const [pa, pb] = [await page(), await page()];
    await join(pa, alice.token);
    await join(pb, bob.token);
    await eventually(async () => (await media(pb))[alice.participantId], 15_000);

    const started = Date.now();
    await env.realtime.send(new DisconnectParticipantCommand({ stageArn, participantId: alice.participantId, reason: 'moderated' }));
    await eventually(async () => (await events(pa)).find((e) => e.event === 'stage-left'), 2_000, 50);
    await eventually(async () => (await events(pb)).find((e) => e.event === 'left' && e.participantId === alice.participantId), 2_000, 50);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await events(pa)).find((e) => e.event === 'stage-left')!.reason).toBe('participant-disconnected');
    expect(await pa.evaluate(() => harness.connectionState())).toBe('disconnected');
    expect(env.sink.names(stageArn)).toContain('Participant Unpublished');

    const again = await page();
    expect(await join(again, alice.token)).toEqual({ ok: false, code: 'TOKEN_DISCONNECTED' });
  }, 60_000);

  it('a second connection with the same token evicts the first (token-reused)', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const [first, second] = [await page(), await page()];
    await join(first, alice.token);
    expect(await join(second, alice.token)).toEqual({ ok: true });
    const left = await eventually(async () => (await events(first)).find((e) => e.event === 'stage-left'), 3_000);
    expect(left.reason).toBe('token-reused');
    expect(await second.evaluate(() => harness.connectionState())).toBe('connected');
  }, 30_000);

  it('refuses an expired token', async () => {
    const stageArn = await newStage();
    const out = await env.realtime.send(new CreateParticipantTokenCommand({ stageArn, userId: 'late', duration: 1 }));
    clockOffsetMs = 2 * 60_000;
    const p = await page();
    expect(await join(p, out.participantToken!.token!)).toEqual({ ok: false, code: 'TOKEN_EXPIRED' });
    expect(await p.evaluate(() => harness.connectionState())).toBe('errored');
  }, 30_000);
});
