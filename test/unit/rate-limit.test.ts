import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, RateLimiter, RedisRateLimitStore } from '../../src/http/rate-limit.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RateLimiter', () => {
  it('counts a fixed 60-second window per key and reports an absolute reset time', async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore(), 2);
    const before = Math.floor(Date.now() / 1000);
    const first = await limiter.hit('a');
    expect(first).toMatchObject({ limit: 2, remaining: 1, exceeded: false });
    expect(first.resetAtSeconds).toBeGreaterThanOrEqual(before + 59);
    expect(first.resetAtSeconds).toBeLessThanOrEqual(before + 61);
    expect((await limiter.hit('a')).remaining).toBe(0);
    const third = await limiter.hit('a');
    expect(third.exceeded).toBe(true);
    expect(third.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await limiter.hit('b')).exceeded).toBe(false);
  });

  it('shares counters between processes through Redis', async () => {
    const key = `test-${crypto.randomUUID()}`;
    const one = new RateLimiter(new RedisRateLimitStore(REDIS_URL), 3);
    const two = new RateLimiter(new RedisRateLimitStore(REDIS_URL), 3);
    try {
      expect((await one.hit(key)).remaining).toBe(2);
      expect((await two.hit(key)).remaining).toBe(1);
      expect((await one.hit(key)).remaining).toBe(0);
      const over = await two.hit(key);
      expect(over.exceeded).toBe(true);
      expect(over.resetAtSeconds).toBeGreaterThan(Date.now() / 1000);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('fails open, and says so, when the store is unreachable', async () => {
    const warnings: unknown[] = [];
    const limiter = new RateLimiter(new RedisRateLimitStore('redis://127.0.0.1:1'), 1, (error) => warnings.push(error));
    const decision = await limiter.hit('x');
    expect(decision.exceeded).toBe(false);
    expect(warnings).toHaveLength(1);
    await limiter.close();
  });

  it('caps the keys it holds: ended windows go first, then the oldest live ones, whose keys start afresh', async () => {
    const store = new MemoryRateLimitStore(3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) await store.hit(key, 60_000);
    expect(store.size).toBe(3);
    expect((await store.hit('e', 60_000)).count).toBe(2);
    expect((await store.hit('a', 60_000)).count).toBe(1);
    const ended = new MemoryRateLimitStore(1_000);
    for (let index = 0; index < 50; index++) await ended.hit(`old-${index}`, -1);
    await ended.hit('new', 60_000);
    expect(ended.size).toBe(1);
  });
});
