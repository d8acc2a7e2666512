import { CreateParticipantTokenCommand, CreateStageCommand } from '@aws-sdk/client-ivs-realtime';
import { StageSessionsService } from '@streamcat/ivs-emulator';
import { STAGE_HEARTBEAT_DEAD_MS } from '@streamcat/protocol';
import { join as joinPath } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, MediaApp, startMediaApp } from './support/media-app';
import { StageSocket } from './support/stage-socket';

type HarnessEvent = { event: string; participantId?: string; state?: string; reason?: string; code?: string; at: number };
type MediaStats = Record<string, { userId: string; framesDecoded: number; audioSamples: number }>;

declare const harness: {
  join(token: string, opts: { publish: boolean }): Promise<{ ok: boolean; code?: string }>;
  media(): Promise<MediaStats>;
  events(): HarnessEvent[];
  connectionState(): string | undefined;
};

/**
 * Stage connections survive drops (issue 15): the SFU finds a silent socket by its heartbeat,
 * takes the same token back with the same participant id, and the browser's LocalStage rejoins
 * by itself after its network goes silent (signalling stalled, peer connections closed).
 */
describe('stage reconnect (SFU heartbeat, same-token rejoin, LocalStage)', () => {
  let env: MediaApp;
  let browser: Browser;
  const pages: Page[] = [];
  const sockets: StageSocket[] = [];

  beforeAll(async () => {
    env = await startMediaApp();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
    for (const s of sockets.splice(0)) s.close();
  });

  async function newStage(): Promise<string> {
    const out = await env.realtime.send(new CreateStageCommand({}));
    return out.stage!.arn!;
  }

  async function token(stageArn: string, userId: string) {
    const out = await env.realtime.send(new CreateParticipantTokenCommand({ stageArn, userId, capabilities: ['PUBLISH', 'SUBSCRIBE'] }));
    return { token: out.participantToken!.token!, participantId: out.participantToken!.participantId! };
  }

  async function joined(t: string): Promise<StageSocket> {
    const s = await StageSocket.open(env.baseUrl);
    sockets.push(s);
    s.send({ t: 'join', token: t });
    await s.next('joined');
    return s;
  }

  /**
   * The browser harness, with a switch that cuts the page off as a dropped network does
   * (browser/network-cut.js). `limitMs` shortens LocalStage's reconnect limit.
   */
  async function page(limitMs?: number): Promise<Page> {
    const p = await browser.newPage();
    pages.push(p);
    p.on('pageerror', (e) => console.error('page error:', e.message));
    if (limitMs) await p.addInitScript(`localStorage.setItem('streamcat.stageReconnectLimitMs', '${limitMs}')`);
    await p.addInitScript({ path: joinPath(__dirname, 'browser/network-cut.js') });
    await p.goto(`${env.baseUrl}/harness/index.html`);
    await p.waitForFunction('"harness" in window');
    return p;
  }

  const join = (p: Page, t: string) => p.evaluate((tok) => harness.join(tok, { publish: true }), t);
  const events = (p: Page) => p.evaluate(() => harness.events());
  const media = (p: Page) => p.evaluate(() => harness.media());
  const cut = (p: Page, on: boolean) => p.evaluate((v) => (globalThis as unknown as { __cut(on: boolean): void }).__cut(v), on);
  const framesFrom = async (p: Page, id: string) => (await media(p))[id]?.framesDecoded ?? 0;

  it('drops a heartbeating socket that goes silent within seconds, and the others are told', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const a = await joined(alice.token);
    const b = await joined(bob.token);
    a.send({ t: 'ping', n: 3 });
    expect(await a.next('pong')).toEqual({ t: 'pong', n: 3 });
    const silentFrom = Date.now();
    const left = await b.next('participant-left', STAGE_HEARTBEAT_DEAD_MS + 3_000);
    // Lost, not left: the pages say "reconnecting…" (the member may be back with the same token).
    expect(left).toEqual({ t: 'participant-left', participantId: alice.participantId, lost: true });
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(STAGE_HEARTBEAT_DEAD_MS - 100);
    await eventually(async () => a.closeCode !== undefined, 2_000);
  });

  it('tells the others a socket the page closed itself (a tab closed) left, not lost', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const a = await joined(alice.token);
    const b = await joined(bob.token);
    a.close();
    expect(await b.next('participant-left')).toEqual({ t: 'participant-left', participantId: alice.participantId, lost: false });
  });

  it('does not hold a socket that never pinged to the heartbeat', async () => {
    const stageArn = await newStage();
    const carol = await token(stageArn, 'carol');
    const bob = await token(stageArn, 'bob');
    const c = await joined(carol.token);
    const b = await joined(bob.token);
    await new Promise((r) => setTimeout(r, STAGE_HEARTBEAT_DEAD_MS + 1_500));
    expect(c.closeCode).toBeUndefined();
    expect(b.messages.some((m) => m.t === 'participant-left')).toBe(false);
  });

  it('takes the same token back on a new connection, with the same participant id, evicting a stale one', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const stale = await joined(alice.token);
    const b = await joined(bob.token);
    const again = await joined(alice.token);
    expect((await again.next('joined')).self).toMatchObject({ id: alice.participantId, userId: 'alice' });
    expect(await stale.next('left')).toEqual({ t: 'left', reason: 'token-reused' });
    await b.next('participant-joined');
    const seen = b.messages.filter((m) => m.t === 'participant-left' || m.t === 'participant-joined');
    expect(seen.map((m) => m.t)).toEqual(['participant-left', 'participant-joined']);
    expect(seen[1]).toMatchObject({ participant: { id: alice.participantId } });
  });

  it('LocalStage rejoins by itself after its network goes silent: same participant id, media flows again, never left', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const bob = await token(stageArn, 'bob');
    const [pa, pb] = [await page(), await page()];
    expect(await join(pa, alice.token)).toEqual({ ok: true });
    expect(await join(pb, bob.token)).toEqual({ ok: true });
    await eventually(async () => (await framesFrom(pb, alice.participantId)) > 5, 15_000);

    await cut(pa, true);
    // Bob is told Alice left (the SFU's heartbeat), Alice's stage reconnects (CONNECTING).
    await eventually(async () => (await events(pb)).some((e) => e.event === 'left' && e.participantId === alice.participantId), 10_000);
    await eventually(async () => (await pa.evaluate(() => harness.connectionState())) === 'connecting', 10_000);
    const restoredAt = Date.now();
    await cut(pa, false);
    await eventually(async () => (await pa.evaluate(() => harness.connectionState())) === 'connected', 10_000);
    await eventually(async () => (await framesFrom(pb, alice.participantId)) > 5, 15_000);
    const backMs = Date.now() - restoredAt;
    expect(backMs).toBeLessThan(10_000);
    // Alice sees Bob again too.
    await eventually(async () => (await framesFrom(pa, bob.participantId)) > 5, 15_000);
    const aliceEvents = await events(pa);
    expect(aliceEvents.some((e) => e.event === 'stage-left')).toBe(false);
    expect(aliceEvents.filter((e) => e.event === 'connection').map((e) => e.state)).toEqual([
      'connecting',
      'connected',
      'connecting',
      'connected',
    ]);
    expect(env.app.get(StageSessionsService).connectedParticipants(stageArn).sort()).toEqual(
      [alice.participantId, bob.participantId].sort(),
    );
  }, 60_000);

  it('LocalStage gives up after its limit: ERRORED, CONNECTION_LOST, stage left', async () => {
    const stageArn = await newStage();
    const alice = await token(stageArn, 'alice');
    const pa = await page(2_000);
    expect(await join(pa, alice.token)).toEqual({ ok: true });
    await cut(pa, true);
    await eventually(async () => (await pa.evaluate(() => harness.connectionState())) === 'errored', STAGE_HEARTBEAT_DEAD_MS + 8_000);
    const ev = await events(pa);
    expect(ev.find((e) => e.event === 'error')).toMatchObject({ code: 'CONNECTION_LOST', state: 'JOIN_ERROR' });
    expect(ev.find((e) => e.event === 'stage-left')).toMatchObject({ reason: 'unknown' });
  }, 30_000);
});
