import { Redis } from 'ioredis';

/**
 * Open streams per access token (docs/events.md#limits). Without Redis each process counts its own; with it the
 * count is shared: one sorted set per token, a member per open stream whose score is when it expires unless
 * refreshed (each heartbeat refreshes it), so a process that died stops counting within a few heartbeats.
 */
export interface StreamCounter {
  /** Counts the stream in when its token has fewer than `limit` open; false when it has not. */
  reserve(jti: string, streamId: string, limit: number): Promise<boolean>;
  release(jti: string, streamId: string): void;
  refresh(members: ReadonlyArray<{ jti: string; streamId: string }>): void;
  close(): Promise<void>;
}

export class MemoryStreamCounter implements StreamCounter {
  private readonly open = new Map<string, Set<string>>();

  async reserve(jti: string, streamId: string, limit: number): Promise<boolean> {
    let streams = this.open.get(jti);
    if (!streams) this.open.set(jti, (streams = new Set()));
    if (streams.size >= limit) return false;
    streams.add(streamId);
    return true;
  }

  release(jti: string, streamId: string): void {
    const streams = this.open.get(jti);
    streams?.delete(streamId);
    if (streams?.size === 0) this.open.delete(jti);
  }

  refresh(): void {}

  async close(): Promise<void> {}
}

const RESERVE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export class RedisStreamCounter implements StreamCounter {
  private readonly redis: Redis;
  /** Counted here too: when Redis cannot answer, this process's own count still limits (and a warning is logged). */
  private readonly local = new MemoryStreamCounter();

  constructor(
    url: string,
    private readonly memberTtlMs: number,
    private readonly warn: (message: string) => void,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1000 });
    this.redis.on('error', () => undefined);
  }

  private key(jti: string): string {
    return `flextell:streams:${jti}`;
  }

  async reserve(jti: string, streamId: string, limit: number): Promise<boolean> {
    if (!(await this.local.reserve(jti, streamId, limit))) return false;
    const now = Date.now();
    try {
      const admitted = await this.redis.eval(RESERVE_SCRIPT, 1, this.key(jti), now, limit, now + this.memberTtlMs, streamId, this.memberTtlMs);
      if (admitted === 1) return true;
    } catch {
      this.warn('Redis is unreachable: open event streams are counted per process.');
      return true;
    }
    this.local.release(jti, streamId);
    return false;
  }

  release(jti: string, streamId: string): void {
    this.local.release(jti, streamId);
    this.redis.zrem(this.key(jti), streamId).catch(() => undefined);
  }

  refresh(members: ReadonlyArray<{ jti: string; streamId: string }>): void {
    if (members.length === 0) return;
    const expires = Date.now() + this.memberTtlMs;
    const batch = this.redis.pipeline();
    for (const { jti, streamId } of members) {
      batch.zadd(this.key(jti), 'XX', expires, streamId);
      batch.pexpire(this.key(jti), this.memberTtlMs);
    }
    batch.exec().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
