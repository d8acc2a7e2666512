import { describe, expect, test } from '@jest/globals';
import type { BackstageMessage } from '@streamcat/protocol/studio';
import { commandIdFor, countUnread, latestKey, lineKey, mergeBackstage, sendErrorSentence } from './backstage-chat.feed';

function msg(id: string, second: number, memberId = 'bob', text = `message ${id}`): BackstageMessage {
  return {
    id,
    stageId: 'st',
    memberId,
    displayName: memberId,
    role: 'guest',
    text,
    sentAt: new Date(Date.UTC(2026, 10, 20, 18, 0, second)).toISOString(),
  };
}

describe('mergeBackstage', () => {
  test('keeps one copy of a message delivered twice (ack and push)', () => {
    const m = msg('a', 1);
    expect(mergeBackstage(mergeBackstage([], [m]), [m])).toEqual([m]);
  });

  test('history after a reconnect fills the gap and keeps what was already there, in server order', () => {
    const before = [msg('a', 1), msg('b', 2)];
    // A push that raced ahead of the history answer is already in the feed.
    const pushed = mergeBackstage(before, [msg('e', 5)]);
    const history = [msg('b', 2), msg('c', 3), msg('d', 4)];
    expect(mergeBackstage(pushed, history).map((m) => m.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('orders by time sent, then by id when two share a millisecond', () => {
    const feed = mergeBackstage([], [msg('z', 3), msg('b', 1), msg('y', 1), msg('a', 1)]);
    expect(feed.map((m) => m.id)).toEqual(['a', 'b', 'y', 'z']);
  });

  test('a newer copy of a message replaces the old one instead of adding a line', () => {
    const feed = mergeBackstage([msg('a', 1, 'bob', 'old')], [msg('a', 1, 'bob', 'new')]);
    expect(feed.map((m) => m.text)).toEqual(['new']);
  });

  test('keeps only the newest messages past the limit', () => {
    const many = Array.from({ length: 10 }, (_, i) => msg(`m${i}`, i));
    expect(mergeBackstage([], many, 4).map((m) => m.id)).toEqual(['m6', 'm7', 'm8', 'm9']);
  });

  test('does not change the feed it was given', () => {
    const feed = [msg('b', 2)];
    mergeBackstage(feed, [msg('a', 1)]);
    expect(feed.map((m) => m.id)).toEqual(['b']);
  });
});

describe('unread counts', () => {
  const feed = [msg('a', 1, 'bob'), msg('b', 2, 'me'), msg('c', 3, 'gail'), msg('d', 4, 'bob')];
  const mine = (m: BackstageMessage) => m.memberId === 'me';

  test('counts everything but my own when nothing was seen yet', () => {
    expect(countUnread(feed, null, mine)).toBe(3);
  });

  test('counts only what came after the last line seen', () => {
    expect(countUnread(feed, lineKey(feed[1]!), mine)).toBe(2);
    expect(countUnread(feed, latestKey(feed), mine)).toBe(0);
  });

  test('an older message arriving late (history) does not count as new', () => {
    const seen = latestKey(feed);
    const withOld = mergeBackstage(feed, [msg('early', 0, 'gail')]);
    expect(countUnread(withOld, seen, mine)).toBe(0);
  });

  test('an empty feed has no latest key', () => {
    expect(latestKey([])).toBeNull();
  });
});

describe('the send box', () => {
  test('reuses the command id of an unanswered attempt of the same text, and only then', () => {
    let n = 0;
    const fresh = () => `fresh-${++n}`;
    expect(commandIdFor(null, 'hi', fresh)).toBe('fresh-1');
    expect(commandIdFor({ text: 'hi', commandId: 'first-try' }, 'hi', fresh)).toBe('first-try');
    expect(commandIdFor({ text: 'hi', commandId: 'first-try' }, 'hi there', fresh)).toBe('fresh-2');
  });

  test('turns refusals into sentences', () => {
    expect(sendErrorSentence({ code: 'request/invalid', message: 'text: must not be empty' })).toBe(
      'Messages must be 1 to 500 characters long.',
    );
    expect(sendErrorSentence({ code: 'server/unavailable', message: 'x' })).toMatch(/may not have been sent/);
    expect(sendErrorSentence({ code: 'studio/removed', message: 'You were removed from this show.' })).toBe(
      'You were removed from this show.',
    );
    expect(sendErrorSentence(null)).toBe('Your message could not be sent. Please try again.');
  });
});
