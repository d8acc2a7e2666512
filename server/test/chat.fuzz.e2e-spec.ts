import type { Socket } from 'socket.io-client';
import { seededRandom } from './support/seeded-random';
import { send } from './support/sockets';
import { register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

const CASES = 3_000;
/** Below the per-socket burst (40), so every answer is about the payload, not the rate. */
const PER_SOCKET = 35;
const REFUSALS = new Set(['request/invalid', 'request/too-large', 'request/unknown-event']);

describe('fuzzing watch, chat and moderation commands', () => {
  const t = useTestApp();

  const tables = ['chat_messages', 'chat_sanctions', 'chat_settings', 'moderation_audit'];
  const counts = async () => {
    const out: number[] = [];
    for (const x of tables) out.push(await t.pg.count(x));
    return out;
  };

  it('answers thousands of malformed, oversized and unknown payloads with error acks, writes nothing, and stays up', async () => {
    // A site moderator who owns the channel: authorization passes everywhere, so only validation stands in the way.
    const staff = await register(t.url);
    const victim = await register(t.url);
    await t.setRole(staff, 'admin');
    const channel = staff.user.username;
    const valid: Record<string, { payload: Record<string, unknown>; required: string[] }> = {
      'watch:join': { payload: { channel }, required: ['channel'] },
      'watch:leave': { payload: { channel }, required: ['channel'] },
      'chat:send': { payload: { channel, text: 'hello' }, required: ['channel', 'text'] },
      'chat:delete': {
        payload: { channel, messageId: '7b0e4a53-5d2c-4e7e-9a55-0d6a8f0b1c2d', reason: 'x' },
        required: ['channel', 'messageId'],
      },
      'chat:timeout': {
        payload: { channel, username: victim.user.username, seconds: 60, reason: 'x' },
        required: ['channel', 'username', 'seconds', 'reason'],
      },
      'chat:ban': { payload: { channel, username: victim.user.username, reason: 'x' }, required: ['channel', 'username', 'reason'] },
      'chat:unban': { payload: { channel, username: victim.user.username, reason: 'x' }, required: ['channel', 'username'] },
      'chat:slow-mode': { payload: { channel, seconds: 5, reason: 'x' }, required: ['channel', 'seconds'] },
      'moderation:subscribe': { payload: {}, required: [] },
      'moderation:unsubscribe': { payload: {}, required: [] },
      'moderation:stop-stream': { payload: { channel, rotateKey: true, reason: 'x' }, required: ['channel', 'reason'] },
      'moderation:remove-member': { payload: { stage: channel, memberId: 'm1', reason: 'x' }, required: ['stage', 'memberId', 'reason'] },
      'moderation:close-realtime': { payload: { stage: channel, reason: 'x' }, required: ['stage', 'reason'] },
      'moderation:ban-site': { payload: { username: victim.user.username, reason: 'x', seconds: 60 }, required: ['username', 'reason'] },
      'moderation:unban-site': { payload: { username: victim.user.username, reason: 'x' }, required: ['username'] },
    };
    const events = Object.keys(valid);
    const random = seededRandom(4242);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const wrongFor = (v: unknown): unknown[] => {
      const junk: unknown[] = [null, [], {}, { $gt: '' }, [v]];
      if (typeof v === 'string') junk.push(42, true, -1.5, 'x'.repeat(600), '../../etc/passwd\u0000');
      else if (typeof v === 'number') junk.push(String(v), -1, 1e12, 1.5, NaN, true);
      else if (typeof v === 'boolean') junk.push('true', 1, 0);
      return junk;
    };

    function makeCase(): [string, unknown] {
      const kind = Math.floor(random() * 8);
      if (kind === 0)
        return [`${pick(['chat', 'watch', 'moderation', 'admin'])}:${pick(['nuke', 'sudo', 'send ', 'BAN', '__proto__'])}`, { channel }];
      const event = pick(events);
      const { payload, required } = valid[event];
      const keys = Object.keys(payload);
      switch (kind) {
        case 1:
          return [event, pick(required.length ? [undefined, null, 42, 'text', [payload], true] : [42, 'text', [payload], true])];
        case 2:
          if (required.length) {
            const drop = pick(required);
            const { [drop]: _gone, ...rest } = payload;
            return [event, rest];
          }
          return [event, { extra: 1 }];
        case 3:
          return [event, { ...payload, [pick(['admin', 'role', 'userId', 'constructor', 'isLive'])]: true }];
        case 4:
          if (keys.length) {
            const key = pick(keys);
            return [event, { ...payload, [key]: pick(wrongFor(payload[key])) }];
          }
          return [event, 'x'];
        case 5:
          return [event, { ...payload, pad: 'x'.repeat(9_000 + Math.floor(random() * 40_000)) }];
        case 6:
          return [event, JSON.parse(`{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}`)];
        default: {
          // Several faults at once.
          const out: Record<string, unknown> = { ...payload, [`k${Math.floor(random() * 1e6)}`]: pick(wrongFor('s')) };
          if (keys.length) out[pick(keys)] = pick(wrongFor(payload[pick(keys)]));
          return [event, out];
        }
      }
    }

    const before = await counts();
    const unexpected: unknown[] = [];
    let answered = 0;
    for (let done = 0; done < CASES; done += PER_SOCKET) {
      const s: Socket = await t.open({ token: staff.accessToken });
      const batch = Array.from({ length: Math.min(PER_SOCKET, CASES - done) }, makeCase);
      const acks = await Promise.all(batch.map(([event, payload]) => send(s, event, payload)));
      acks.forEach((ack, i) => {
        answered += 1;
        if (ack.ok || !REFUSALS.has(ack.error.code)) unexpected.push({ case: batch[i], ack });
      });
      s.close();
    }
    expect(answered).toBe(CASES);
    expect(unexpected.slice(0, 3)).toEqual([]);
    expect(await counts()).toEqual(before);

    // Still up and still correct.
    const s = await t.open({ token: staff.accessToken });
    expect((await send(s, 'watch:join', { channel })).ok).toBe(true);
    expect((await send(s, 'chat:send', { channel, text: 'still here' })).ok).toBe(true);
  }, 120_000);
});
