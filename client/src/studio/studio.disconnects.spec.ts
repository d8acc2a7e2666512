import { describe, expect, it } from '@jest/globals';
import type { StageDisconnectProgress } from '@streamcat/protocol';
import { disconnectLine, nextProgress } from './studio.disconnects';

const p = (over: Partial<StageDisconnectProgress>): StageDisconnectProgress => ({
  stageId: 's',
  batchId: 'b1',
  reason: 'realtime-closed',
  done: 0,
  failed: 0,
  total: 500,
  finished: false,
  ...over,
});

describe('disconnecting viewers, as the host reads it', () => {
  it('counts up while it runs, then says it is done', () => {
    expect(disconnectLine(p({ done: 120 }))).toBe('Disconnecting viewers… 120 / 500');
    expect(disconnectLine(p({ done: 500, finished: true }))).toBe('All 500 viewers disconnected.');
    expect(disconnectLine(p({ done: 1, total: 1, finished: true }))).toBe('All 1 viewer disconnected.');
    expect(disconnectLine(p({ done: 500, failed: 2, finished: true }))).toBe(
      '498 viewers of 500 disconnected; 2 could not be (their passes no longer work).',
    );
  });

  it('says nothing about removals or empty batches', () => {
    expect(disconnectLine(p({ reason: 'member-removed', done: 1, total: 1, finished: true }))).toBeNull();
    expect(disconnectLine(null)).toBeNull();
  });

  it('never moves a batch backwards (pushes from two nodes may cross)', () => {
    const at200 = p({ done: 200 });
    expect(nextProgress(at200, p({ done: 150 }))).toBe(at200);
    expect(nextProgress(at200, p({ done: 250 }))).toEqual(p({ done: 250 }));
    const finished = p({ done: 500, finished: true });
    expect(nextProgress(finished, p({ done: 499 }))).toBe(finished);
    expect(nextProgress(finished, p({ batchId: 'b2', done: 3 }))).toEqual(p({ batchId: 'b2', done: 3 }));
  });
});
