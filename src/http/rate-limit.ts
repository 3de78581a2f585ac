import { Redis } from 'ioredis';
import { AppError } from './errors.js';

/**
 * Fixed 60-second windows that start at a key's first request (docs/request-checks.md#rate-limiting). Hand-written rather than
 * @fastify/rate-limit because the contract counts requests that are answered before the limit is checked
 * (404, 401, 403 tenant) without ever refusing them, keys by (token, resolved tenant), and reports the
 * reset as an absolute Unix time; the plugin's hook model can do none of these.
 */
export interface WindowState {
  count: number;
  resetAtMs: number;
}

export interface RateLimitStore {
  hit(key: string, windowMs: number): Promise<WindowState>;
  close(): Promise<void>;
}

/**
 * Counters of one process, kept in order of window start (a restarting window moves to the end), so the windows
 * that end first are always at the front. Each new window drops the ended ones there; past `maxKeys` it also drops
 * the oldest live ones (those keys start afresh), so no stream of new keys can exhaust memory, at O(1) a request.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  static readonly DEFAULT_MAX_KEYS = 100_000;
  private readonly windows = new Map<string, WindowState>();

  constructor(private readonly maxKeys = MemoryRateLimitStore.DEFAULT_MAX_KEYS) {}

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number): Promise<WindowState> {
    const now = Date.now();
    let state = this.windows.get(key);
    if (!state || state.resetAtMs <= now) {
      this.windows.delete(key);
      this.dropFront(now);
      state = { count: 0, resetAtMs: now + windowMs };
      this.windows.set(key, state);
    }
    state.count += 1;
    return { ...state };
  }

  private dropFront(now: number): void {
    for (const [key, state] of this.windows) {
      if (state.resetAtMs > now && this.windows.size < this.maxKeys) return;
      this.windows.delete(key);
    }
  }

  async close(): Promise<void> {}
}

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;

  constructor(url: string) {
    // Commands wait for the first connection, but a Redis that stays down fails them after one reconnect attempt.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1000 });
    this.redis.on('error', () => undefined);
  }

  async hit(key: string, windowMs: number): Promise<WindowState> {
    const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `flextell:rl:${key}`, windowMs)) as [number, number];
    return { count, resetAtMs: Date.now() + ttl };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export interface RateLimitDecision {
  limit: number;
  remaining: number;
  resetAtSeconds: number;
  retryAfterSeconds: number;
  exceeded: boolean;
}

export class RateLimiter {
  static readonly WINDOW_MS = 60_000;

  constructor(
    readonly store: RateLimitStore,
    private readonly limit: number,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {}

  async hit(key: string): Promise<RateLimitDecision> {
    let state: WindowState;
    try {
      state = await this.store.hit(key, RateLimiter.WINDOW_MS);
    } catch (error) {
      // A shared store that is down must not take the API down with it: fail open, loudly.
      this.onStoreError(error);
      state = { count: 1, resetAtMs: Date.now() + RateLimiter.WINDOW_MS };
    }
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - state.count),
      resetAtSeconds: Math.ceil(state.resetAtMs / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((state.resetAtMs - Date.now()) / 1000)),
      exceeded: state.count > this.limit,
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The API's 429 for a limit that was passed: `rate_limit_exceeded`, with `Retry-After` (docs/errors.md). */
export function tooManyRequests(decision: RateLimitDecision): AppError {
  return new AppError('rate_limit_exceeded', `Too many requests. Retry after ${decision.retryAfterSeconds} seconds.`, {
    headers: { 'Retry-After': String(decision.retryAfterSeconds) },
  });
}
