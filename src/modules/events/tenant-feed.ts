import type { Permission } from '../roles/permissions.js';
import type { EventRow } from './event-log.repository.js';
import type { EventStream, PlannedBatch, RenderEvent } from './event-stream.js';

/** Events read from the log per query; a longer backlog is read in pages. */
export const FEED_PAGE = 500;
/**
 * Reads of one tenant's log start at least this far apart: the commits of a busy tenant fold into one read and go out
 * in one write per stream (with a thousand streams, the writes are most of the cost). At most this much latency.
 */
const BATCH_GAP_MS = 40;

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** What a feed needs from its hub: the database read, each reader's fresh permissions, and how to render. */
export interface FeedContext {
  readEvents(tenantId: number, afterId: number, limit: number): Promise<EventRow[]>;
  /** The reader's permissions in the tenant now, or null when it may no longer read the stream (closed then). */
  permissionsOf(stream: EventStream): Promise<ReadonlySet<Permission> | null>;
  renderer(): RenderEvent;
  onReadError(error: unknown): void;
}

/**
 * One tenant's new events in this process (docs/events.md#load): one reader for all its streams here. Each wake-up
 * reads the log once from the feed's cursor and hands the rows to every live stream, which filters them for its
 * reader. A stream that joins with a backlog reads it itself, page by page, until it has reached the feed's cursor;
 * only then does the feed hand it events, and a stream never writes an id twice, so nothing is lost or repeated.
 */
export class TenantFeed {
  readonly streams = new Set<EventStream>();
  private reading = false;
  private readAgain = false;
  private lastReadAt = 0;
  stopWatching: (() => void) | null = null;

  constructor(
    private readonly context: FeedContext,
    readonly tenantId: number,
    /** The highest id the feed has read: every live stream has been handed everything up to it. */
    public cursor: number,
  ) {}

  wake(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    const wait = this.lastReadAt + BATCH_GAP_MS - Date.now();
    void (async () => {
      if (wait > 0) await delay(wait);
      await this.readNew();
    })().finally(() => {
      this.reading = false;
      this.lastReadAt = Date.now();
    });
  }

  private async readNew(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        let rows: EventRow[];
        do {
          rows = await this.context.readEvents(this.tenantId, this.cursor, FEED_PAGE);
          if (rows.length === 0) break;
          // The cursor moves before the rows are handed out: a stream still catching up reads up to the new cursor
          // itself, and the streams live now get these rows below.
          this.cursor = rows[rows.length - 1]!.id;
          await this.hand(
            [...this.streams].filter((stream) => stream.live && !stream.closed),
            rows,
          );
        } while (rows.length === FEED_PAGE && this.streams.size > 0);
        // Commits during the read: the next read waits out the gap, so those that follow fold into it.
        if (this.readAgain) await delay(BATCH_GAP_MS);
      } while (this.readAgain && this.streams.size > 0);
    } catch (error) {
      // The log is the truth and is read again at the next wake-up or periodic read.
      this.context.onReadError(error);
    }
  }

  /** Writes the backlog of a stream that just joined (its ids above lastSeenId), then makes it live. */
  async catchUp(stream: EventStream): Promise<void> {
    while (!stream.closed && stream.lastSeenId < this.cursor) {
      const rows = await this.context.readEvents(this.tenantId, stream.lastSeenId, FEED_PAGE);
      if (rows.length === 0) break;
      await this.hand([stream], rows);
    }
    stream.live = true;
  }

  private async hand(streams: EventStream[], rows: EventRow[]): Promise<void> {
    if (streams.length === 0) return;
    const render = this.context.renderer();
    // Permissions are read once per token and batch (from the access cache, as fresh as a request's).
    const byToken = new Map<string, Promise<ReadonlySet<Permission> | null>>();
    const permissions = await Promise.all(
      streams.map((stream) => {
        let pending = byToken.get(stream.owner.bearer);
        if (!pending) byToken.set(stream.owner.bearer, (pending = this.context.permissionsOf(stream)));
        return pending;
      }),
    );
    // Streams in the same position with the same view get the same bytes: planned once, written to each.
    const planned = new Map<string, PlannedBatch>();
    streams.forEach((stream, index) => {
      const held = permissions[index];
      if (!held) return stream.close('access_revoked');
      const key = stream.viewKey();
      let batch = planned.get(key);
      if (!batch) planned.set(key, (batch = stream.plan(rows, held, render)));
      stream.apply(batch);
    });
  }
}
