import type { AppDeps } from '../../app-deps.js';
import { resolveTenant } from '../../http/tenant.js';
import type { Permission } from '../roles/permissions.js';
import { readEventsAfter } from './event-log.repository.js';
import { eventResource } from './event.resource.js';
import type { EventStream, RenderEvent } from './event-stream.js';
import { PING_BLOCK } from './event-stream-format.js';
import { MemoryStreamCounter, RedisStreamCounter, type StreamCounter } from './stream-limits.js';
import { TenantFeed, type FeedContext } from './tenant-feed.js';

/** Every process reads the log of each tenant it streams at least this often, whatever the hints say. */
const SAFETY_READ_MS = 5000;
/** Token expiry, revocation and access are re-checked this often (revocation must close a stream within 2 s, spec §2.3). */
const ACCESS_CHECK_MS = 1000;

export type Admission = 'admitted' | 'too_many_for_token' | 'too_many_for_process';

interface Log {
  warn(message: string): void;
}

/**
 * The event streams of this process (docs/events.md#the-stream): one feed per tenant with streams here, the limits,
 * the heartbeat, the access checks and the shutdown. Timers are real time; tests call heartbeat() and checkAccess()
 * directly, and the access checks read the injectable clock for token expiry.
 */
export class EventStreamHub implements FeedContext {
  private readonly feeds = new Map<number, TenantFeed>();
  private readonly opening = new Map<number, Promise<TenantFeed>>();
  private readonly streams = new Set<EventStream>();
  /** Streams admitted and not yet removed, including those still starting. */
  private admitted = 0;
  private readonly counter: StreamCounter;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopAccessWatch: (() => void) | null = null;
  private lastReadWarning = 0;

  constructor(
    private readonly deps: AppDeps,
    private readonly log: Log,
  ) {
    const { heartbeatSeconds } = deps.config.eventStreams;
    this.counter = deps.config.redisUrl
      ? new RedisStreamCounter(deps.config.redisUrl, heartbeatSeconds * 3000 + 5000, (message) => log.warn(message))
      : new MemoryStreamCounter();
    const every = (milliseconds: number, work: () => unknown) => {
      const timer = setInterval(() => void work(), milliseconds);
      timer.unref();
      this.timers.push(timer);
    };
    every(heartbeatSeconds * 1000, () => this.heartbeat());
    every(SAFETY_READ_MS, () => this.readAll());
    every(ACCESS_CHECK_MS, () => this.checkAccess());
  }

  get openCount(): number {
    return this.streams.size;
  }

  /** Counts a new stream in against both limits; the per-token one answers first (docs/events.md#limits). */
  async admit(stream: EventStream): Promise<Admission> {
    const { maxStreamsPerToken, maxStreams } = this.deps.config.eventStreams;
    if (!(await this.counter.reserve(stream.jti, stream.id, maxStreamsPerToken))) return 'too_many_for_token';
    if (this.admitted >= maxStreams) {
      this.counter.release(stream.jti, stream.id);
      return 'too_many_for_process';
    }
    this.admitted++;
    return 'admitted';
  }

  /** Starts an admitted stream: its tenant's feed (watched before the backlog is read), then its backlog. */
  async open(stream: EventStream, head: number): Promise<void> {
    if (this.stopAccessWatch === null) {
      // A membership or role change re-checks every stream at once instead of at the next tick.
      this.stopAccessWatch = () => undefined;
      this.stopAccessWatch = await this.deps.db.watchChanges('access', (event) => {
        if (event === 'changed') void this.checkAccess();
      });
    }
    this.streams.add(stream);
    const feed = await this.feedOf(stream.owner.tenantId, head);
    if (stream.closed) return;
    feed.streams.add(stream);
    await feed.catchUp(stream);
  }

  remove(stream: EventStream): void {
    if (!this.streams.delete(stream)) return;
    this.admitted--;
    this.counter.release(stream.jti, stream.id);
    const feed = this.feeds.get(stream.owner.tenantId);
    feed?.streams.delete(stream);
    if (feed && feed.streams.size === 0) {
      this.feeds.delete(feed.tenantId);
      feed.stopWatching?.();
    }
  }

  /** Counts a refused or failed start out again (the stream was admitted but never opened). */
  release(stream: EventStream): void {
    if (this.streams.has(stream)) return this.remove(stream);
    this.admitted--;
    this.counter.release(stream.jti, stream.id);
  }

  private async feedOf(tenantId: number, head: number): Promise<TenantFeed> {
    const existing = this.feeds.get(tenantId);
    if (existing) return existing;
    let opening = this.opening.get(tenantId);
    if (!opening) {
      opening = (async () => {
        const feed = new TenantFeed(this, tenantId, head);
        feed.stopWatching = await this.deps.eventBus.watch(tenantId, () => feed.wake());
        this.feeds.set(tenantId, feed);
        // Whatever was committed between the head read and the watch is read now.
        feed.wake();
        return feed;
      })().finally(() => this.opening.delete(tenantId));
      this.opening.set(tenantId, opening);
    }
    return opening;
  }

  readEvents(tenantId: number, afterId: number, limit: number) {
    return readEventsAfter(this.deps.db, tenantId, afterId, limit);
  }

  async permissionsOf(stream: EventStream): Promise<ReadonlySet<Permission> | null> {
    const access = await resolveTenant(this.deps.db, this.deps.access, stream.owner.token, String(stream.owner.tenantId));
    if (access instanceof Error || !access.permissions.has('conversations.view')) return null;
    return access.permissions;
  }

  /** Renders each event once per base URL and batch, with signed links fresh as of now. */
  renderer(): RenderEvent {
    const rendered = new Map<string, string>();
    const now = this.deps.clock.now();
    return (row, baseUrl) => {
      const key = `${row.id}\n${baseUrl}`;
      let json = rendered.get(key);
      if (json === undefined) {
        json = JSON.stringify(eventResource(row, { links: this.deps.fileLinks, baseUrl, now }));
        rendered.set(key, json);
      }
      return json;
    };
  }

  onReadError(): void {
    if (Date.now() - this.lastReadWarning < 60_000) return;
    this.lastReadWarning = Date.now();
    this.log.warn('Reading the event log failed; event streams retry at the next wake-up.');
  }

  /** `: ping` on every stream (a fixed timer: docs/events.md#the-stream); with Redis it also keeps the counts alive. */
  heartbeat(): void {
    for (const stream of this.streams) stream.write(PING_BLOCK);
    this.counter.refresh([...this.streams].map((stream) => ({ jti: stream.jti, streamId: stream.id })));
  }

  private readAll(): void {
    for (const feed of this.feeds.values()) feed.wake();
  }

  /**
   * Closes the streams whose token expired (`token_expired`, by the injectable clock), was revoked or lost its
   * principal (`token_revoked`), or whose principal lost the tenant or `conversations.view` (`access_revoked`).
   * Each token is checked once, however many streams it has.
   */
  async checkAccess(): Promise<void> {
    const byBearer = new Map<string, EventStream[]>();
    for (const stream of this.streams) {
      const list = byBearer.get(stream.owner.bearer) ?? [];
      list.push(stream);
      byBearer.set(stream.owner.bearer, list);
    }
    // One fresh read of every streamed token's record: a revocation anywhere is seen now, not when the cache expires.
    await this.deps.tokens.refreshRecords([...new Set([...this.streams].map((stream) => stream.jti))]).catch(() => undefined);
    await Promise.all(
      [...byBearer].map(async ([bearer, streams]) => {
        const reason = await this.closingReason(bearer, streams[0]!).catch(() => null);
        if (reason) for (const stream of streams) stream.close(reason);
      }),
    );
  }

  private async closingReason(bearer: string, stream: EventStream) {
    const expired = () => this.deps.clock.now().getTime() >= stream.owner.expiresAtMs;
    if (expired()) return 'token_expired' as const;
    // Verification fails for an expired token too: the clock may have passed its expiry meanwhile.
    if (!(await this.deps.tokens.verify(bearer))) return expired() ? ('token_expired' as const) : ('token_revoked' as const);
    return (await this.permissionsOf(stream)) ? null : ('access_revoked' as const);
  }

  /** Shutdown: each stream gets a random `retry:` (reconnects spread over seconds), then `closing` `shutdown`. */
  closeAll(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.stopAccessWatch?.();
    for (const stream of this.streams) stream.close('shutdown', 1000 + Math.floor(Math.random() * 4001));
  }

  async close(): Promise<void> {
    this.closeAll();
    await this.counter.close();
  }
}
