import { describe, expect, test } from '@jest/globals';
import type { ChatMessage } from '@streamcat/protocol/chat';
import { formatOffset, replayTimeline, visibleAt } from './chat.replay';

const start = '2026-01-01T18:00:00.000Z';
function at(id: string, sentAt: string): ChatMessage {
  return { id, channel: 'alice', streamId: 'st-1', user: { id: 'u', username: 'vic' }, text: id, sentAt };
}

describe('VOD chat replay', () => {
  // Out of order on purpose: pages may arrive any way round.
  const timeline = replayTimeline(
    [
      at('c', '2026-01-01T18:01:00.000Z'),
      at('early', '2026-01-01T17:59:58.000Z'),
      at('a', '2026-01-01T18:00:05.000Z'),
      at('b', '2026-01-01T18:00:30.500Z'),
    ],
    start,
  );
  const ids = (t: number) => visibleAt(timeline, t).map((e) => e.message.id);

  test('a message appears once playback passes its offset from the stream start', () => {
    expect(ids(0)).toEqual(['early']);
    expect(ids(4.9)).toEqual(['early']);
    expect(ids(5)).toEqual(['early', 'a']);
    expect(ids(30.4)).toEqual(['early', 'a']);
    expect(ids(30.5)).toEqual(['early', 'a', 'b']);
    expect(ids(3600)).toEqual(['early', 'a', 'b', 'c']);
  });

  test('seeking back hides what has not been said yet at that point', () => {
    expect(ids(61)).toHaveLength(4);
    expect(ids(10)).toEqual(['early', 'a']);
  });

  test('offsets are seconds into the recording; messages sent just before the start show from 0', () => {
    expect(timeline.map((e) => e.offset)).toEqual([0, 5, 30.5, 60]);
    expect(formatOffset(65)).toBe('1:05');
    expect(formatOffset(3725)).toBe('1:02:05');
  });

  test('an empty chat replays nothing', () => {
    expect(visibleAt([], 100)).toEqual([]);
  });
});
