import { takeToken, TokenBucket } from './token-bucket';

const rate = { points: 5, windowMs: 1000 };

/** Calls admitted when one is tried every `stepMs` from `start` until `until`. */
function admittedOver(stepMs: number, until: number, bucket?: TokenBucket): number {
  let admitted = 0;
  for (let t = 0; t < until; t += stepMs) {
    const out = takeToken(bucket, rate, t);
    bucket = out.bucket;
    if (out.admitted) admitted++;
  }
  return admitted;
}

describe('token bucket', () => {
  it('lets an idle caller burst the full rate, then refuses with the wait until the next call', () => {
    let bucket: TokenBucket | undefined;
    for (let i = 0; i < 5; i++) {
      const out = takeToken(bucket, rate, 0);
      expect(out.admitted).toBe(true);
      bucket = out.bucket;
    }
    const refused = takeToken(bucket, rate, 0);
    expect(refused).toMatchObject({ admitted: false, retryAfterMs: 200 });
    expect(takeToken(refused.bucket, rate, 150)).toMatchObject({ admitted: false, retryAfterMs: 50 });
    expect(takeToken(refused.bucket, rate, 200).admitted).toBe(true);
  });

  it('admits a steady flood at the configured rate: burst + rate × time', () => {
    // Tried every 10 ms for 3 s: 5 at once, then one per 200 ms.
    expect(admittedOver(10, 3000)).toBe(5 + 15 - 1);
    expect(admittedOver(10, 10_000)).toBe(5 + 50 - 1);
  });

  it('refills no more than the burst after a long idle time', () => {
    const drained = { tokens: 0, updatedAt: 0 };
    let bucket: TokenBucket = takeToken(drained, rate, 3_600_000).bucket;
    expect(bucket.tokens).toBe(4);
    for (let i = 0; i < 4; i++) bucket = takeToken(bucket, rate, 3_600_000).bucket;
    expect(takeToken(bucket, rate, 3_600_000).admitted).toBe(false);
  });

  it('hands out nothing extra when the clock steps back', () => {
    const drained = { tokens: 0, updatedAt: 10_000 };
    const out = takeToken(drained, rate, 5_000);
    expect(out.admitted).toBe(false);
    expect(out.bucket).toEqual({ tokens: 0, updatedAt: 10_000 });
  });
});
