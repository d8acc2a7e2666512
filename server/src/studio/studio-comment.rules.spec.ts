import { mayShowComments, STUDIO_COMMENT_MAX_CHARS, type ChatSanction } from '@streamcat/protocol';
import { AUTHORIZATION, ROLES } from '../auth/authorization';
import { CommentCandidate, decideComment } from './studio-comment.rules';

const now = new Date('2026-12-04T03:00:00Z');
const host = { role: 'host' as const, memberId: 'owner' };
const message: CommentCandidate = { id: 'm1', channelId: 'ch', author: { id: 'v1', username: 'vera' }, text: 'Hi!', deleted: false };
const decide = (over: Partial<Parameters<typeof decideComment>[0]> = {}) =>
  decideComment({ actor: host, channelId: 'ch', message, authorSanction: null, now, ...over });

describe('decideComment', () => {
  it('copies author and text from the chat message, with who showed it and when', () => {
    expect(decide()).toEqual({
      ok: true,
      comment: { messageId: 'm1', author: { id: 'v1', username: 'vera' }, text: 'Hi!', shownBy: 'owner', shownAt: now.toISOString() },
    });
    expect(decide({ actor: { role: 'cohost', memberId: 'c' } })).toMatchObject({ ok: true, comment: { shownBy: 'c' } });
  });

  it('bounds the text it keeps', () => {
    const long = decide({ message: { ...message, text: 'x'.repeat(STUDIO_COMMENT_MAX_CHARS + 50) } });
    expect(long.ok && long.comment.text.length).toBe(STUDIO_COMMENT_MAX_CHARS);
  });

  it('refuses guests, viewers and staff without a seat, each with a sentence', () => {
    for (const actor of [
      { role: 'guest' as const, memberId: 'g' },
      { role: 'viewer' as const, memberId: null },
      { role: 'moderator' as const, memberId: null },
    ])
      expect(decide({ actor })).toEqual({
        ok: false,
        code: 'auth/forbidden',
        message: 'Only the host or a co-host can put a comment on screen.',
      });
  });

  it('refuses a missing message, another channel’s, a deleted one, and one whose author is banned or timed out', () => {
    const sanction = (kind: 'ban' | 'timeout'): ChatSanction => ({ kind, scope: 'site', reason: 'spam', until: null });
    expect(decide({ message: null })).toMatchObject({ ok: false, message: 'That message is not in this channel’s chat.' });
    expect(decide({ message: { ...message, channelId: 'other' } })).toMatchObject({ ok: false, code: 'studio/comment-unavailable' });
    expect(decide({ message: { ...message, deleted: true } })).toMatchObject({ ok: false, message: expect.stringMatching(/deleted/) });
    expect(decide({ authorSanction: sanction('ban') })).toMatchObject({ ok: false, message: expect.stringMatching(/vera is banned/) });
    expect(decide({ authorSanction: sanction('timeout') })).toMatchObject({ ok: false, message: expect.stringMatching(/timed out/) });
  });
});

describe('mayShowComments', () => {
  it('is the same rule as the studio:comment row of the authorization table (the client hides the control by it)', () => {
    for (const role of ROLES) expect([role, mayShowComments(role)]).toEqual([role, AUTHORIZATION['studio:comment'].includes(role)]);
  });
});
