/** Open event streams per access token (docs/events.md#limits): per process, and shared through Redis. */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStreamCounter, RedisStreamCounter } from '../../src/modules/events/stream-limits.js';
import { pollUntil } from '../support/processes.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('MemoryStreamCounter', () => {
  it('admits up to the limit per token and counts a released stream out', async () => {
    const counter = new MemoryStreamCounter();
    expect(await counter.reserve('t', 'a', 2)).toBe(true);
    expect(await counter.reserve('t', 'b', 2)).toBe(true);
    expect(await counter.reserve('t', 'c', 2)).toBe(false);
    expect(await counter.reserve('other', 'c', 2)).toBe(true);
    counter.release('t', 'a');
    expect(await counter.reserve('t', 'c', 2)).toBe(true);
  });
});

describe('RedisStreamCounter', () => {
  it('shares the count between processes, and forgets the streams of a process that stopped refreshing them', async () => {
    const jti = `test-${crypto.randomUUID()}`;
    const warnings: string[] = [];
    const one = new RedisStreamCounter(REDIS_URL, 60_000, (message) => warnings.push(message));
    const two = new RedisStreamCounter(REDIS_URL, 60_000, (message) => warnings.push(message));
    const dying = new RedisStreamCounter(REDIS_URL, 200, (message) => warnings.push(message));
    try {
      expect(await one.reserve(jti, 'a', 2)).toBe(true);
      expect(await two.reserve(jti, 'b', 2)).toBe(true);
      expect(await two.reserve(jti, 'c', 2)).toBe(false);
      one.release(jti, 'a');
      await pollUntil(async () => ((await two.reserve(jti, 'c', 2)) ? true : undefined), 5000, 'the released stream counted out', 20);
      const other = `test-${crypto.randomUUID()}`;
      expect(await dying.reserve(other, 'x', 1)).toBe(true);
      // Never refreshed: gone after its 200 ms, so another process may open one again.
      await pollUntil(async () => ((await one.reserve(other, 'y', 1)) ? true : undefined), 5000, 'the stale member to expire', 50);
      expect(warnings).toEqual([]);
    } finally {
      await Promise.all([one.close(), two.close(), dying.close()]);
    }
  });

  it('counts per process, with a warning, when Redis is unreachable', async () => {
    const warnings: string[] = [];
    const counter = new RedisStreamCounter('redis://127.0.0.1:1', 60_000, (message) => warnings.push(message));
    try {
      expect(await counter.reserve('t', 'a', 1)).toBe(true);
      expect(await counter.reserve('t', 'b', 1)).toBe(false);
      expect(warnings).toEqual(['Redis is unreachable: open event streams are counted per process.']);
    } finally {
      await counter.close();
    }
  });
});
