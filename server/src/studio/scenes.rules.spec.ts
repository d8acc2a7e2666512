import { DEFAULT_SCENE, StudioCommands } from '@streamcat/protocol';
import { isAllowed, ROLES } from '../auth/authorization';
import { nextScene } from './scenes.rules';

const now = new Date('2026-11-20T18:00:00Z');
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();

describe('nextScene', () => {
  it('switches to a card and back, keeping cards and countdown', () => {
    const r = nextScene({}, { active: 'brb' }, now);
    expect(r).toEqual({ ok: true, scene: { ...DEFAULT_SCENE, active: 'brb' } });
    const back = nextScene({ scene: { ...DEFAULT_SCENE, active: 'brb' } }, { active: 'show' }, now);
    expect(back.ok && back.scene.active).toBe('show');
  });

  it('edits one card, trimmed, leaving the others as they were', () => {
    const r = nextScene({}, { card: { name: 'ending', title: '  See you next week ', subtitle: 'Fridays 6 pm' } }, now);
    expect(r.ok && r.scene.cards).toEqual({
      ...DEFAULT_SCENE.cards,
      ending: { title: 'See you next week', subtitle: 'Fridays 6 pm' },
    });
  });

  it('sets a countdown in the future within a day (stored in UTC), and clears it', () => {
    const r = nextScene({}, { countdown: { at: '2026-11-20T19:30:00+01:00', goLive: true } }, now);
    expect(r.ok && r.scene.countdown).toEqual({ at: '2026-11-20T18:30:00.000Z', goLive: true });
    const cleared = nextScene({ scene: r.ok ? r.scene : undefined }, { countdown: null }, now);
    expect(cleared.ok && cleared.scene.countdown).toBeNull();
  });

  it.each([
    ['now', now.toISOString(), 'The countdown must end in the future.'],
    ['in the past', inMinutes(-5), 'The countdown must end in the future.'],
    ['more than 24 h ahead', inMinutes(24 * 60 + 1), 'The countdown can end at most 24 hours from now.'],
  ])('refuses a countdown ending %s with a sentence', (_, at, message) => {
    expect(nextScene({}, { countdown: { at, goLive: false } }, now)).toEqual({ ok: false, code: 'request/invalid', message });
  });

  it('accepts a countdown exactly 24 h ahead', () => {
    expect(nextScene({}, { countdown: { at: inMinutes(24 * 60), goLive: false } }, now).ok).toBe(true);
  });

  it('ifCountdownAt: only the page that saw this very countdown switches at zero', () => {
    const at = inMinutes(10);
    const scene = { ...DEFAULT_SCENE, active: 'starting' as const, countdown: { at, goLive: true } };
    const first = nextScene({ scene }, { active: 'show', countdown: null, ifCountdownAt: at }, now);
    expect(first.ok && first.scene).toMatchObject({ active: 'show', countdown: null });
    const second = nextScene({ scene: first.ok ? first.scene : undefined }, { active: 'show', countdown: null, ifCountdownAt: at }, now);
    expect(second).toMatchObject({ ok: false, code: 'studio/invalid-transition' });
    // A countdown moved meanwhile is not ended by a page that counted to the old time.
    const moved = { ...scene, countdown: { at: inMinutes(20), goLive: true } };
    expect(nextScene({ scene: moved }, { active: 'show', ifCountdownAt: at }, now).ok).toBe(false);
  });
});

describe('scene and programme-volume commands: schema and roles', () => {
  const base = { stage: 'alice', commandId: 'cmd-12345678' };
  const parse = (patch: unknown) => StudioCommands.scene.schema.safeParse({ ...base, patch });

  it('bounds the texts and refuses control characters, unknown scenes and empty patches', () => {
    expect(parse({ active: 'brb' }).success).toBe(true);
    expect(parse({ card: { name: 'brb', title: 'x'.repeat(80), subtitle: 'y'.repeat(160) } }).success).toBe(true);
    expect(parse({ card: { name: 'brb', title: 'x'.repeat(81), subtitle: '' } }).success).toBe(false);
    expect(parse({ card: { name: 'brb', title: 'ok', subtitle: 'y'.repeat(161) } }).success).toBe(false);
    expect(parse({ card: { name: 'brb', title: 'a\u0000b', subtitle: '' } }).success).toBe(false);
    expect(parse({ active: 'intermission' }).success).toBe(false);
    expect(parse({ countdown: { at: 'tomorrow', goLive: true } }).success).toBe(false);
    expect(parse({}).success).toBe(false);
    expect(parse({ ifCountdownAt: inMinutes(1) }).success).toBe(false);
  });

  it('takes a whole percentage from 0 to 100 as programme volume', () => {
    const vol = (volume: unknown) => StudioCommands.programmeVolume.schema.safeParse({ ...base, memberId: 'bob', volume }).success;
    expect([0, 55, 100].map(vol)).toEqual([true, true, true]);
    expect([-1, 101, 50.5, '50'].map(vol)).toEqual([false, false, false, false]);
  });

  it('only hosts and co-hosts may switch scenes or set volumes', () => {
    for (const command of ['studio:scene', 'studio:programme-volume']) {
      expect(ROLES.filter((r) => isAllowed(command, r))).toEqual(['cohost', 'host']);
    }
  });
});
