import { deliveryOutcome, MAX_BATCH, nextBatchSize, retryDelayMs } from './event-delivery.policy';

describe('deliveryOutcome', () => {
  it('counts 2xx as delivered', () => {
    expect(deliveryOutcome(200)).toBe('delivered');
    expect(deliveryOutcome(204)).toBe('delivered');
  });

  it('retries no answer, timeouts, throttling and server errors', () => {
    for (const s of [undefined, 408, 429, 500, 502, 503, 504]) expect(deliveryOutcome(s)).toBe('retry');
  });

  it('gives up on other client errors: the same request would be refused again', () => {
    for (const s of [400, 401, 403, 404, 413]) expect(deliveryOutcome(s)).toBe('rejected');
  });
});

describe('retryDelayMs', () => {
  it('doubles from 250 ms and stops growing at 30 s', () => {
    expect(retryDelayMs(1, 1)).toBe(250);
    expect(retryDelayMs(2, 1)).toBe(500);
    expect(retryDelayMs(3, 1)).toBe(1000);
    expect(retryDelayMs(20, 1)).toBe(30_000);
  });

  it('spreads retries over the upper half of the step', () => {
    expect(retryDelayMs(3, 0)).toBe(500);
    expect(retryDelayMs(3, 0.5)).toBe(750);
    expect(retryDelayMs(20, 0)).toBe(15_000);
  });
});

describe('nextBatchSize', () => {
  it('sends what is queued, at most one request full', () => {
    expect(nextBatchSize(1)).toBe(1);
    expect(nextBatchSize(MAX_BATCH + 7)).toBe(MAX_BATCH);
  });
});
