import type { Socket } from 'socket.io-client';
import { StudioCommands } from '@streamcat/protocol';
import type { Ack } from '@streamcat/protocol';
import { send } from './support/sockets';
import { commandId, expectOk, join, studio } from './support/studio-client';
import { Account, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/** Deterministic PRNG so a failing case can be reproduced from the seed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

const JUNK: unknown[] = [
  null,
  {},
  [],
  [1, 2, 3],
  1.5,
  -1,
  2 ** 53,
  '',
  '../../etc/passwd',
  '\u0000\u0001',
  'ü'.repeat(65),
  { $gt: '' },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  true,
  'x'.repeat(300),
  { toString: 'boom' },
  [[[[[[[[[[['deep']]]]]]]]]]],
];

describe('studio commands under malformed, oversized and unknown payloads (fuzz)', () => {
  const t = useTestApp();
  let host: Account;
  let stage: string;
  let memberId: string;
  let current: Socket | undefined;
  let sentOnCurrent = 0;

  beforeAll(async () => {
    host = await register(t.url);
    stage = host.user.username;
    memberId = host.user.id;
  });

  /** Spreads cases over sockets so the per-socket rate limit never masks a parse result. */
  async function socket(): Promise<Socket> {
    if (!current || sentOnCurrent >= 35) {
      current = await t.open({ token: host.accessToken });
      sentOnCurrent = 0;
    }
    sentOnCurrent += 1;
    return current;
  }

  /** A valid payload per command (as the host), the base every mutation starts from. */
  const valid = (name: string): Record<string, unknown> => {
    const base = { stage, commandId: commandId('fuzz') };
    const samples: Record<string, Record<string, unknown>> = {
      'studio:join': { stage },
      'studio:snapshot': { stage },
      'studio:leave': { stage },
      'studio:invite': { ...base, username: 'someone', role: 'guest' },
      'studio:invite-revoke': { ...base, inviteId: 'abc' },
      'studio:invite-respond': { ...base, inviteId: 'abc', accept: true },
      'studio:link-create': { ...base, maxUses: 1, expiresInMinutes: 5 },
      'studio:link-revoke': { ...base, linkId: 'abc' },
      'studio:admit': { ...base, guestId: 'abc', admit: true },
      'studio:remove': { ...base, memberId, reason: 'x' },
      'studio:set-role': { ...base, memberId, role: 'cohost' },
      'studio:set-status': { ...base, memberId, status: 'on-air' },
      'studio:layout': { ...base, patch: { name: 'grid' } },
      'studio:brand': { ...base, patch: { primary: '#336699' } },
      'studio:hand': { ...base, raised: true },
      'studio:screen-share': { ...base, sharing: true },
      'studio:mute': { ...base, memberId, muted: true },
      'studio:broadcast': { ...base, action: 'start' },
      'studio:realtime': { ...base, open: true },
      'studio:programme': { ...base, source: 'cloud' },
      'studio:failover': { ...base, enabled: false },
      'studio:scene': { ...base, patch: { active: 'brb', card: { name: 'brb', title: 'Back soon', subtitle: '' } } },
      'studio:programme-volume': { ...base, memberId, volume: 50 },
      'studio:comment': { ...base, messageId: null },
    };
    return samples[name];
  };

  it('answers thousands of bad payloads with error acks; the studio document never changes and the server stays up', async () => {
    const { version: before, document: docBefore } = await join(await socket(), stage);
    const defs = Object.values(StudioCommands);
    const rand = prng(20261120);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
    const cases: { event: string; payload: unknown; expect: string[] }[] = [];

    for (const def of defs) {
      const sample = valid(def.name);
      expect(def.schema.safeParse(sample).success).toBe(true);
      const keys = Object.keys(sample);
      let made = 0;
      let tries = 0;
      while (made < 150 && tries < 5000) {
        tries += 1;
        const p: Record<string, unknown> = structuredClone(sample);
        const kind = rand();
        if (kind < 0.45) p[pick(keys)] = pick(JUNK);
        else if (kind < 0.6) delete p[pick(keys)];
        else if (kind < 0.75) p[pick(['extra', 'admin', '__proto__', 'constructor', 'role', 'version'])] = pick(JUNK);
        else if (kind < 0.85) {
          const junk = pick(JUNK);
          // Whole payload replaced: non-objects, arrays, strings.
          if (def.schema.safeParse(junk).success) continue;
          cases.push({ event: def.name, payload: junk, expect: ['request/invalid'] });
          made += 1;
          continue;
        } else {
          p[pick(keys)] = pick(JUNK);
          p[pick(keys)] = pick(JUNK);
        }
        // Judge what goes over the wire (assigning `__proto__` is not an own key), and keep only
        // payloads the schema rejects: a mutation that happens to be valid is not a malformed case.
        const wire: unknown = JSON.parse(JSON.stringify(p));
        if (def.schema.safeParse(wire).success) continue;
        cases.push({ event: def.name, payload: wire, expect: ['request/invalid'] });
        made += 1;
      }
      // Oversized: a valid shape padded past the command's byte limit (still under the 64 KB frame cap).
      for (let i = 0; i < 20; i++) {
        const pad = 'y'.repeat(def.maxBytes + Math.floor(rand() * 2000));
        cases.push({ event: def.name, payload: { ...valid(def.name), reason: pad }, expect: ['request/too-large'] });
      }
    }
    for (let i = 0; i < 300; i++) {
      const name =
        pick(['studio:', 'studio:layout:', 'chat', 'x', '__proto__', 'constructor', 'studio:join ']) +
        Math.floor(rand() * 1e6).toString(36);
      cases.push({ event: name, payload: valid('studio:layout'), expect: ['request/unknown-event'] });
    }
    expect(cases.length).toBeGreaterThan(3000);

    const bad: string[] = [];
    // Batches in parallel; each socket carries at most 35 (under the burst of 40).
    for (let i = 0; i < cases.length; i += 140) {
      const batch = cases.slice(i, i + 140);
      const acks = await Promise.all(batch.map(async (c) => [c, (await send(await socket(), c.event, c.payload, 10_000)) as Ack] as const));
      for (const [c, ack] of acks) {
        if (ack.ok || !c.expect.includes(ack.error.code))
          bad.push(`${c.event} ${JSON.stringify(c.payload).slice(0, 120)} → ${JSON.stringify(ack).slice(0, 160)}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);

    const after = await join(await socket(), stage);
    expect(after.version).toBe(before);
    expect(after.document).toEqual(docBefore);
    // Still serving commands normally.
    expectOk(await studio(await socket(), 'studio:layout', { stage, patch: { nameTags: false } }));
    expect((await send(await socket(), 'session:whoami', {})).ok).toBe(true);
  }, 120_000);
});
