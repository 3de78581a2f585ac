import type { ServerResponse } from 'node:http';
import type { AppDeps } from '../../app-deps.js';
import type { LinkContext } from '../files/file.resource.js';
import { liveSessionDigests, type VisitorSession } from './visitor-session.repository.js';
import { listWidgetMessages, markDelivered, WIDGET_PAGE, widgetMessage, type VisitorConversation } from './widget-message.js';

/** A `: ping` comment keeps proxies from closing an idle stream (docs/channels.md#website-widget). */
export const DEFAULT_PING_INTERVAL_MS = 25_000;
/** A client that reads slower than this much is cut off; it reconnects with Last-Event-ID and misses nothing. */
const MAX_BUFFERED_BYTES = 1_048_576;

/** The change channel of one visitor's conversation: migration 0021's trigger signals it for every new message. */
export function visitorChangeChannel(conversation: VisitorConversation): string {
  return `widget:${conversation.tenantId}:${conversation.channelId}:${conversation.address}`;
}

/**
 * One open Server-Sent Events stream. It remembers the last message id it wrote; each wake-up reads the messages
 * after it from the database (the truth), so a missed signal is repaired by the next one, and one read runs at a
 * time per stream (a wake-up during a read runs another read after it).
 */
export class VisitorStream {
  lastId: number;
  closed = false;
  private reading = false;
  private readAgain = false;

  constructor(
    private readonly deps: AppDeps,
    readonly session: VisitorSession,
    readonly sessionTokenDigest: string,
    private readonly response: ServerResponse,
    private readonly baseUrl: string,
    afterId: number,
  ) {
    this.lastId = afterId;
  }

  get conversation(): VisitorConversation {
    return { tenantId: this.session.tenant_id, channelId: this.session.channel_id, address: this.session.address };
  }

  wake(): void {
    if (this.closed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.read().finally(() => {
      this.reading = false;
    });
  }

  private async read(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        let rows;
        do {
          rows = await listWidgetMessages(this.deps.db, this.conversation, this.lastId);
          if (this.closed || rows.length === 0) break;
          const now = this.deps.clock.now();
          const links: LinkContext = { links: this.deps.fileLinks, baseUrl: this.baseUrl, now };
          for (const row of rows) {
            this.write(`event: message\nid: ${row.id}\ndata: ${JSON.stringify(widgetMessage(row, this.session.tenant_id, links))}\n\n`);
          }
          this.lastId = Number(rows[rows.length - 1]!.id);
          // Written to an open stream of the visitor: our messages are delivered (docs/channels.md#website-widget).
          await markDelivered(this.deps.db, this.session.tenant_id, rows, now);
        } while (rows.length === WIDGET_PAGE && !this.closed);
      } while (this.readAgain && !this.closed);
    } catch {
      // The database is unreachable or the process is stopping: the client reconnects and replays from its last id.
      this.close();
    }
  }

  write(chunk: string): void {
    if (this.closed) return;
    this.response.write(chunk);
    if (this.response.writableLength > MAX_BUFFERED_BYTES) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }
}

/**
 * The open streams of this process. One change watcher per visitor conversation with a stream here (never one per
 * stream), registered the first time; a signal names the conversation, so only its streams read. The ping timer
 * also re-checks every stream's token, closing those that expired or whose channel was switched off.
 */
export class WidgetStreams {
  private readonly byChannel = new Map<string, Set<VisitorStream>>();
  /** One change watcher per visitor conversation with an open stream here: what stops it, once set up. */
  private readonly watched = new Map<string, Promise<() => void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: AppDeps,
    pingIntervalMs = DEFAULT_PING_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.ping(), pingIntervalMs);
    this.timer.unref();
  }

  /** Visitor conversations this process watches for changes (one per visitor with an open stream here). */
  get watchedCount(): number {
    return this.watched.size;
  }

  get openCount(): number {
    let count = 0;
    for (const streams of this.byChannel.values()) count += streams.size;
    return count;
  }

  async open(stream: VisitorStream): Promise<void> {
    const channel = visitorChangeChannel(stream.conversation);
    let streams = this.byChannel.get(channel);
    if (!streams) this.byChannel.set(channel, (streams = new Set()));
    streams.add(stream);
    let watching = this.watched.get(channel);
    if (!watching) {
      // `restored` (after the listening connection came back) reads too: what was missed meanwhile is in the database.
      watching = this.deps.db.watchChanges(channel, (event) => {
        if (event !== 'lost') this.wake(channel);
      });
      this.watched.set(channel, watching);
    }
    await watching;
    stream.wake();
  }

  remove(stream: VisitorStream): void {
    const channel = visitorChangeChannel(stream.conversation);
    const streams = this.byChannel.get(channel);
    streams?.delete(stream);
    if (streams?.size !== 0) return;
    // The visitor's last stream here is gone: nothing is kept for them (a new stream watches again).
    this.byChannel.delete(channel);
    const watching = this.watched.get(channel);
    this.watched.delete(channel);
    void watching?.then((stop) => stop()).catch(() => undefined);
  }

  private wake(channel: string): void {
    for (const stream of this.byChannel.get(channel) ?? []) stream.wake();
  }

  /**
   * Writes `: ping` to every stream and closes those whose session no longer holds (expired, deleted, channel switched
   * off), checked in one query for all of them. Tests call it directly instead of waiting for the timer.
   */
  async ping(): Promise<void> {
    const open = [...this.byChannel.values()].flatMap((streams) => [...streams]);
    if (open.length === 0) return;
    const digests = [...new Set(open.map((stream) => stream.sessionTokenDigest))];
    // An unreachable database is no reason to cut every visitor off: the streams stay and are checked next time.
    const live = await liveSessionDigests(this.deps.db, digests, this.deps.clock.now()).catch(() => new Set(digests));
    for (const stream of open) {
      if (live.has(stream.sessionTokenDigest)) stream.write(': ping\n\n');
      else stream.close();
    }
  }

  /** Shutdown: every stream ends (the clients reconnect to another process, or to this one once it is back). */
  closeAll(): void {
    clearInterval(this.timer);
    for (const streams of this.byChannel.values()) for (const stream of streams) stream.close();
    this.byChannel.clear();
  }
}
