import { describe, expect, test } from '@jest/globals';
import { composerHint, composerState, draftProblem, sanctionFromRefusal, sendsOnEnter } from './chat.composer';

const now = Date.parse('2026-01-01T12:00:00Z');
const base = { loggedIn: true, canChat: true, sanction: null, waitUntil: 0, now };

describe('chat send box', () => {
  test('anonymous viewers are asked to log in', () => {
    expect(composerState({ ...base, loggedIn: false, canChat: false })).toEqual({ kind: 'login' });
  });

  test('a banned viewer sees why', () => {
    const state = composerState({
      ...base,
      canChat: false,
      sanction: { kind: 'ban', scope: 'channel', reason: 'spam links', until: null },
    });
    expect(state).toEqual({ kind: 'sanctioned', sentence: 'You are banned from this chat. Reason: spam links' });
  });

  test('a time-out that has run out no longer blocks', () => {
    const over = { kind: 'timeout' as const, scope: 'site' as const, reason: 'calm down', until: '2026-01-01T11:59:59Z' };
    expect(composerState({ ...base, canChat: false, sanction: over })).toEqual({ kind: 'ready' });
    const running = { ...over, until: '2026-01-01T12:10:00Z' };
    const state = composerState({ ...base, canChat: false, sanction: running });
    expect(state.kind).toBe('sanctioned');
    expect(state.kind === 'sanctioned' && state.sentence).toMatch(
      /^You are timed out from chat on this site until .+\. Reason: calm down$/,
    );
  });

  test('slow mode counts down in whole seconds, then the box is ready', () => {
    expect(composerState({ ...base, waitUntil: now + 4_200 })).toEqual({ kind: 'waiting', seconds: 5 });
    expect(composerState({ ...base, waitUntil: now })).toEqual({ kind: 'ready' });
  });

  test('a refusal names the sanction it came from', () => {
    expect(
      sanctionFromRefusal('chat/timed-out', [
        { path: 'reason', message: 'flood' },
        { path: 'scope', message: 'channel' },
        { path: 'until', message: '2026-01-01T12:10:00Z' },
      ]),
    ).toEqual({ kind: 'timeout', scope: 'channel', reason: 'flood', until: '2026-01-01T12:10:00Z' });
    expect(sanctionFromRefusal('chat/slow-mode', [])).toBeNull();
  });
});

describe('the draft in a send box', () => {
  test('refuses empty and over-long drafts, measured after trimming', () => {
    expect(draftProblem('', 500)).toBe('empty');
    expect(draftProblem(' \n\t ', 500)).toBe('empty');
    expect(draftProblem(` ${'x'.repeat(500)} `, 500)).toBeNull();
    expect(draftProblem('x'.repeat(501), 500)).toBe('too-long');
    expect(draftProblem('x'.repeat(11), 10)).toBe('too-long');
  });

  test('the hint line puts the chat’s notice first, then the length, then the standing hint', () => {
    const hint = 'Enter to send, Shift+Enter for a new line';
    expect(composerHint({ draft: 'hi', maxChars: 500, hint })).toBe(hint);
    expect(composerHint({ draft: 'hi', maxChars: 500 })).toBe('');
    expect(composerHint({ draft: 'x'.repeat(401), maxChars: 500, hint })).toBe('401 / 500');
    expect(composerHint({ draft: `${'x'.repeat(398)}   `, maxChars: 500, hint })).toBe('398 / 500');
    expect(composerHint({ draft: 'x'.repeat(501), maxChars: 500, hint })).toBe('Messages are at most 500 characters.');
    expect(composerHint({ draft: 'x'.repeat(501), maxChars: 500, notice: 'Slow mode: you can send again in 3 s' })).toBe(
      'Slow mode: you can send again in 3 s',
    );
  });

  test('Enter sends, Shift+Enter and Enter closing an IME composition do not', () => {
    expect(sendsOnEnter({ key: 'Enter', shiftKey: false, isComposing: false })).toBe(true);
    expect(sendsOnEnter({ key: 'Enter', shiftKey: true, isComposing: false })).toBe(false);
    expect(sendsOnEnter({ key: 'Enter', shiftKey: false, isComposing: true })).toBe(false);
    expect(sendsOnEnter({ key: 'a', shiftKey: false, isComposing: false })).toBe(false);
  });
});
