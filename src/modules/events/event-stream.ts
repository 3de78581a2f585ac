import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { VerifiedToken } from '../oauth/access-tokens.js';
import type { Permission } from '../roles/permissions.js';
import type { EventRow } from './event-log.repository.js';
import { canSeeEvent } from './event-visibility.js';
import { eventBlock, namedBlock, retryBlock, skippedIdBlock, type ClosingReason } from './event-stream-format.js';

/** A client whose unsent output passes this is cut off without `closing`; it resumes from its last id. */
export const MAX_BUFFERED_BYTES = 1_048_576;
/** Id-only blocks after left-out events: at most one a second, and none when a visible event follows within it. */
const SKIPPED_ID_DELAY_MS = 1000;

export interface StreamOwner {
  tenantId: number;
  /** The bearer token as sent: re-verified while the stream is open (revocation). */
  bearer: string;
  token: VerifiedToken;
  /** The token's `exp`, in milliseconds. */
  expiresAtMs: number;
  /** Only these types are sent (`types`); null: every type. */
  types: ReadonlySet<string> | null;
  /** Where links in the events point: PUBLIC_URL, else the request's origin. */
  baseUrl: string;
}

/** Renders one event for one stream's base URL, as JSON text (rendered once per base URL and batch). */
export type RenderEvent = (row: EventRow, baseUrl: string) => string;

/** A batch as one stream writes it: its bytes (null: nothing visible) and where the stream stands after it. */
export interface PlannedBatch {
  output: Buffer | null;
  lastSeenId: number;
  pendingSkipId: number | null;
}

/**
 * One open stream of GET /api/v1/events (docs/events.md#the-stream). It remembers the highest id it has passed
 * (written or left out), so it never writes an id twice or out of order, whoever hands it events: its own backlog
 * read while it catches up, then its tenant's feed once it is live.
 */
export class EventStream {
  readonly id = crypto.randomUUID();
  /** The highest event id this stream has written or left out. */
  lastSeenId: number;
  /** Set once the backlog is written: from then on the tenant's feed hands it each new event. */
  live = false;
  closed = false;
  lastOutputAt = Date.now();
  private pendingSkipId: number | null = null;
  private skipTimer: NodeJS.Timeout | null = null;
  /** What else decides a batch's output: the token (its permissions and scopes), the base URL, the types. */
  private readonly viewOf: string;

  constructor(
    readonly owner: StreamOwner,
    private readonly response: ServerResponse,
    afterId: number,
  ) {
    this.lastSeenId = afterId;
    this.viewOf = `${owner.token.jti}|${owner.baseUrl}|${owner.types ? [...owner.types].sort().join(',') : '*'}`;
  }

  get jti(): string {
    return this.owner.token.jti;
  }

  /** Writes the events above lastSeenId that this reader may see (`permissions` read fresh for this batch). */
  offer(rows: readonly EventRow[], permissions: ReadonlySet<Permission>, render: RenderEvent): void {
    this.apply(this.plan(rows, permissions, render));
  }

  /**
   * Streams with the same key make the same output of the same rows (same position, token, base URL and types), so
   * the feed plans a batch once per key and writes the same bytes to each of them.
   */
  viewKey(): string {
    return `${this.lastSeenId}|${this.pendingSkipId}|${this.viewOf}`;
  }

  /** What a batch makes of this stream, without writing it: one block per visible event above lastSeenId. */
  plan(rows: readonly EventRow[], permissions: ReadonlySet<Permission>, render: RenderEvent): PlannedBatch {
    let lastSeenId = this.lastSeenId;
    let pendingSkipId = this.pendingSkipId;
    let output = '';
    for (const row of rows) {
      if (row.id <= lastSeenId) continue;
      lastSeenId = row.id;
      if (this.sees(row.type, permissions)) {
        pendingSkipId = null;
        output += eventBlock(row.id, row.type, render(row, this.owner.baseUrl));
      } else {
        pendingSkipId = row.id;
      }
    }
    return { output: output === '' ? null : Buffer.from(output), lastSeenId, pendingSkipId };
  }

  /** Writes a planned batch: one write per batch (with a thousand streams the writes are most of the cost). */
  apply(batch: PlannedBatch): void {
    if (this.closed) return;
    this.lastSeenId = batch.lastSeenId;
    this.pendingSkipId = batch.pendingSkipId;
    if (batch.output) this.write(batch.output);
    if (this.pendingSkipId !== null) this.scheduleSkippedId();
  }

  /** Permissions first, then `types` (docs/events.md#who-sees-what). */
  private sees(type: string, permissions: ReadonlySet<Permission>): boolean {
    if (!canSeeEvent(type, { permissions, scopes: this.owner.token.scopes })) return false;
    return this.owner.types === null || this.owner.types.has(type);
  }

  private scheduleSkippedId(): void {
    if (this.skipTimer) return;
    this.skipTimer = setTimeout(() => {
      this.skipTimer = null;
      const skipped = this.pendingSkipId;
      this.pendingSkipId = null;
      if (skipped !== null) this.write(skippedIdBlock(skipped));
    }, SKIPPED_ID_DELAY_MS);
    this.skipTimer.unref();
  }

  write(chunk: string | Buffer): void {
    if (this.closed) return;
    this.response.write(chunk);
    this.lastOutputAt = Date.now();
    if (this.response.writableLength > MAX_BUFFERED_BYTES) this.cut();
  }

  /** Ends the stream with a `closing` block (after `retry:` when given: shutdown spreads the reconnects). */
  close(reason: ClosingReason, retryMs?: number): void {
    if (this.closed) return;
    if (retryMs !== undefined) this.write(retryBlock(retryMs));
    this.write(namedBlock('closing', { reason }));
    this.end();
    this.response.end();
  }

  /** Drops the connection without `closing` (a slow reader, an unreachable database): the client resumes. */
  cut(): void {
    if (this.closed) return;
    this.end();
    this.response.destroy();
  }

  private end(): void {
    this.closed = true;
    if (this.skipTimer) clearTimeout(this.skipTimer);
    this.skipTimer = null;
  }
}
