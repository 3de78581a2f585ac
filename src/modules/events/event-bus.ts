import { Redis } from 'ioredis';
import type { Db } from '../../platform/db/db.js';
import { eventsChangeChannel } from './event-channel.js';
import { readEventHead } from './event-log.repository.js';

/**
 * How a process hears that a tenant's log has new events (docs/events.md#several-processes). Only a hint: the
 * streams read the log itself, and read it every few seconds anyway, so a lost hint delays events and loses none.
 */
export interface EventBus {
  readonly kind: 'redis' | 'database';
  /** Calls `wake` whenever the tenant's log may have grown; resolves to what stops it. */
  watch(tenantId: number, wake: () => void): Promise<() => void>;
  close(): Promise<void>;
}

/** The Redis channel every process publishes `<tenant_id>:<last id>` to and subscribes to. */
export const REDIS_EVENTS_CHANNEL = 'flextell:events';

/**
 * Without Redis: the database's change signals. Embedded, they stay in the process; on PostgreSQL each commit that
 * wrote events is announced to the other processes over LISTEN/NOTIFY (src/platform/db/postgres-changes.ts).
 */
export class DatabaseEventBus implements EventBus {
  readonly kind = 'database';

  constructor(private readonly db: Db) {}

  watch(tenantId: number, wake: () => void): Promise<() => void> {
    // `restored` (the listening connection is back) wakes too: what was missed meanwhile is in the log.
    return this.db.watchChanges(eventsChangeChannel(tenantId), (event) => {
      if (event !== 'lost') wake();
    });
  }

  async close(): Promise<void> {}
}

type Warn = (message: string) => void;

/**
 * With REDIS_URL on PostgreSQL: every commit of this process that wrote events is published as
 * `PUBLISH flextell:events <tenant_id>:<last id>`, and every process subscribes. Publishing needs no statement in
 * the writing transaction (a NOTIFY there would serialise every commit of the database). One publish per tenant is
 * in flight at a time; commits meanwhile are folded into one more. A failed publish is not retried: the
 * subscribers' periodic read of the log covers it.
 */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis';
  /** Connected on first use: a process that never writes events (a CLI command) opens no connection. */
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly watchers = new Map<number, Set<() => void>>();
  private readonly publishing = new Map<number, boolean>();
  private readonly untap: () => void;
  private lastWarning = 0;

  constructor(
    private readonly db: Db,
    private readonly url: string,
    private readonly warn: Warn,
  ) {
    this.untap = db.tapCommittedSignals!((channel) => this.committed(channel));
  }

  async watch(tenantId: number, wake: () => void): Promise<() => void> {
    this.subscribe();
    let set = this.watchers.get(tenantId);
    if (!set) this.watchers.set(tenantId, (set = new Set()));
    set.add(wake);
    return () => {
      const current = this.watchers.get(tenantId);
      current?.delete(wake);
      if (current?.size === 0) this.watchers.delete(tenantId);
    };
  }

  async close(): Promise<void> {
    this.untap();
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }

  private subscribe(): void {
    if (this.subscriber) return;
    const subscriber = new Redis(this.url, { connectTimeout: 1000 });
    this.subscriber = subscriber;
    subscriber.on('error', () => this.warnOnce());
    subscriber.on('message', (_channel: string, message: string) => this.wake(Number.parseInt(message, 10)));
    // A subscription that was down missed messages: every watched tenant reads its log once it is back.
    subscriber.on('ready', () => {
      for (const tenantId of this.watchers.keys()) this.wake(tenantId);
    });
    subscriber.subscribe(REDIS_EVENTS_CHANNEL).catch(() => this.warnOnce());
  }

  private publisherClient(): Redis {
    if (!this.publisher) {
      this.publisher = new Redis(this.url, { maxRetriesPerRequest: 1, connectTimeout: 1000 });
      this.publisher.on('error', () => this.warnOnce());
    }
    return this.publisher;
  }

  private wake(tenantId: number): void {
    for (const wake of this.watchers.get(tenantId) ?? []) wake();
  }

  private committed(channel: string): void {
    // eventsChangeChannel's shape: events:<tenant id>.
    const match = /^events:(\d+)$/.exec(channel);
    if (!match) return;
    const tenantId = Number(match[1]);
    // This process's own streams need not wait for the round trip through Redis.
    this.wake(tenantId);
    this.publish(tenantId);
  }

  private publish(tenantId: number): void {
    if (this.publishing.has(tenantId)) {
      this.publishing.set(tenantId, true);
      return;
    }
    this.publishing.set(tenantId, false);
    readEventHead(this.db, tenantId)
      .then((head) => this.publisherClient().publish(REDIS_EVENTS_CHANNEL, `${tenantId}:${head.lastId}`))
      .catch(() => this.warnOnce())
      .finally(() => {
        const again = this.publishing.get(tenantId);
        this.publishing.delete(tenantId);
        if (again) this.publish(tenantId);
      });
  }

  /** Redis down: one warning a minute while it lasts; streams are fed by the periodic read meanwhile. */
  private warnOnce(): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.warn('Redis is unreachable: event streams are fed by the periodic log read (every 5 s) until it is back.');
  }
}

export function createEventBus(db: Db, redisUrl: string | null, warn: Warn): EventBus {
  return redisUrl && db.tapCommittedSignals ? new RedisEventBus(db, redisUrl, warn) : new DatabaseEventBus(db);
}
