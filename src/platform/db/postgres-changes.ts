import pg from 'pg';
import { addWatcher, CHANGE_NOTIFY_CHANNEL, type ChangeEvent } from './db.js';
const NOTICE_PREFIX = 'flextell_changed:';
const MAX_RETRY_MS = 10_000;
/** Other processes hear a burst of commits within this much of its last one, for at most 100 NOTIFYs a second. */
const PUBLISH_GAP_MS = 10;

type Listener = (event: ChangeEvent) => void;

/**
 * Change signals on PostgreSQL. Other processes' commits arrive as NOTIFY on one dedicated LISTEN connection,
 * which is asynchronous: a change made elsewhere is heard a few milliseconds after its commit. This process's own
 * changes are seen through the trigger's NOTICE on the connection that made them and announced again when that
 * connection's statement or transaction has finished, so the process that made a change never answers its next
 * request from a cache entry read before the commit.
 */
export class PostgresChanges {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pending = new WeakMap<pg.ClientBase, Set<string>>();
  private listenClient: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 250;
  private closed = false;
  /** Channels with a NOTIFY in flight; true when another was asked for meanwhile. */
  private readonly publishing = new Map<string, boolean>();
  private readonly taps = new Set<(channel: string) => void>();

  constructor(private readonly connectionString: string) {}

  /** Watches a pool connection for the NOTICE of a change it makes. */
  track(client: pg.ClientBase): void {
    client.on('notice', (notice) => {
      const message = notice.message ?? '';
      if (!message.startsWith(NOTICE_PREFIX)) return;
      const channel = message.slice(NOTICE_PREFIX.length);
      let channels = this.pending.get(client);
      if (!channels) this.pending.set(client, (channels = new Set()));
      channels.add(channel);
      // Entries read while the change is still uncommitted are dropped now, and again by settle() at commit.
      this.emit(channel, 'changed');
    });
  }

  /** Called when `client` has finished a statement outside a transaction, or ended a transaction. */
  settle(client: pg.ClientBase): void {
    const channels = this.pending.get(client);
    if (!channels) return;
    this.pending.delete(client);
    for (const channel of channels) this.emit(channel, 'changed');
  }

  /**
   * A change this process has committed (Queryable.signalAfterCommit): its own watchers hear it at once, other
   * processes through a NOTIFY on the listening connection. The NOTIFY is its own statement, after the commit, and
   * at most one per channel is in flight, with PUBLISH_GAP_MS between two (one more follows if asked for
   * meanwhile): NOTIFYs serialise the commits that send them, so one inside every sending transaction would cap sends
   * at a few hundred a second.
   */
  signal(channel: string): void {
    this.emit(channel, 'changed');
    this.publish(channel);
    for (const tap of this.taps) tap(channel);
  }

  /** Hears every channel this process signals after a commit (Db.tapCommittedSignals). */
  tap(listener: (channel: string) => void): () => void {
    this.taps.add(listener);
    return () => void this.taps.delete(listener);
  }

  private publish(channel: string): void {
    if (this.publishing.has(channel)) {
      this.publishing.set(channel, true);
      return;
    }
    const client = this.listenClient;
    // Without the connection other processes are not told; their workers find the job at their next poll.
    if (!client) return;
    this.publishing.set(channel, false);
    client
      .query('SELECT pg_notify($1, $2)', [CHANGE_NOTIFY_CHANNEL, channel])
      .catch(() => undefined)
      .finally(() => {
        const gap = setTimeout(() => {
          const again = this.publishing.get(channel);
          this.publishing.delete(channel);
          if (again) this.publish(channel);
        }, PUBLISH_GAP_MS);
        gap.unref();
      });
  }

  async watch(channel: string, listener: Listener): Promise<() => void> {
    const stop = addWatcher(this.listeners, channel, listener);
    if (!this.listenClient) {
      this.connecting ??= this.connect().finally(() => {
        this.connecting = null;
      });
      // A database that is unreachable now leaves the cache off until a retry succeeds.
      await this.connecting.catch(() => this.scheduleReconnect());
    }
    listener(this.listenClient ? 'restored' : 'lost');
    return stop;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.listenClient;
    this.listenClient = null;
    await client?.end().catch(() => undefined);
  }

  private emit(channel: string, event: ChangeEvent): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(event);
  }

  private emitAll(event: ChangeEvent): void {
    for (const listeners of this.listeners.values()) for (const listener of listeners) listener(event);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'flextell-changes' });
    const lost = () => {
      if (this.listenClient !== client) return;
      this.listenClient = null;
      client.end().catch(() => undefined);
      this.emitAll('lost');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      // This connection's own NOTIFYs (signal()) were already heard here.
      if (message.processId === (client as unknown as { processID: number | null }).processID) return;
      if (message.channel === CHANGE_NOTIFY_CHANNEL && message.payload) this.emit(message.payload, 'changed');
    });
    await client.connect();
    await client.query(`LISTEN ${CHANGE_NOTIFY_CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.listenClient = client;
    this.retryDelayMs = 250;
    this.emitAll('restored');
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed || this.listenClient) return;
      this.connect().catch(() => {
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_MS);
        this.scheduleReconnect();
      });
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }
}
