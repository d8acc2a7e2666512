import { IvsCallQueue, IvsQueueFullError } from './ivs-call-queue';
import { defaultIvsRates } from './ivs-call-queue.policy';

/** An SDK-shaped refusal. */
const refusal = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('IvsCallQueue', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const queue = () => new IvsCallQueue({ ...defaultIvsRates(), DisconnectParticipant: 5 }, 'us-east-1', undefined, () => 0);

  it('starts calls of one operation at its rate', async () => {
    const q = queue();
    const started: number[] = [];
    const runs = Array.from({ length: 5 }, () => q.run('DisconnectParticipant', async () => void started.push(Date.now())));
    await jest.advanceTimersByTimeAsync(1_000);
    await Promise.all(runs);
    expect(started.map((t) => t - 1_000_000)).toEqual([0, 200, 400, 600, 800]);
    expect(q.stats('DisconnectParticipant')).toEqual({ calls: 5, throttled: 0, retried: 0 });
  });

  it('retries a throttled call after pausing the operation, and the call succeeds', async () => {
    const q = queue();
    let attempts = 0;
    const run = q.run('DisconnectParticipant', async () => {
      if (++attempts < 3) throw refusal('ThrottlingException', 429);
      return 'done';
    });
    await jest.advanceTimersByTimeAsync(5_000);
    await expect(run).resolves.toBe('done');
    expect(q.stats('DisconnectParticipant')).toEqual({ calls: 3, throttled: 2, retried: 2 });
  });

  it('gives up on a refusal nobody can fix by waiting, at once', async () => {
    const q = queue();
    let attempts = 0;
    const run = q.run('DisconnectParticipant', async () => {
      attempts++;
      throw refusal('AccessDeniedException', 403);
    });
    await expect(run).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(attempts).toBe(1);
  });

  it('does not retry a non-idempotent create after a network failure (it may have run)', async () => {
    const q = queue();
    let attempts = 0;
    const run = q.run('CreateStage', async () => {
      attempts++;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    await expect(run).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(attempts).toBe(1);
  });

  it('refuses a call whose wait for a turn would pass maxWaitMs, saying when to come back', async () => {
    const q = queue();
    const queued = Array.from({ length: 20 }, () => q.run('DisconnectParticipant', async () => undefined));
    // 20 turns at 5/s: the next would start in 4 s.
    expect(q.waitMs('DisconnectParticipant')).toBe(4_000);
    const refused = q.run('DisconnectParticipant', async () => undefined, { maxWaitMs: 1_500 });
    await expect(refused).rejects.toBeInstanceOf(IvsQueueFullError);
    await expect(refused).rejects.toMatchObject({ code: 'media/busy', retryAfterSeconds: 3 });
    await jest.advanceTimersByTimeAsync(5_000);
    await Promise.all(queued);
  });
});
