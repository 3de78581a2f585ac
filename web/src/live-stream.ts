import type { Api } from './api.js';
import { EventCursor, reconnectDelayMs, StreamParser, type StreamBlock } from './state/events.js';
import type { InboxEvent } from './state/types.js';

export type LiveStatus = 'Connected' | 'Reconnecting…' | 'Offline' | 'Paused: too many open tabs';

export interface LiveHandlers {
  /** The first `ready`: load the list's first page and the open thread, then events apply on top. */
  onReady(): void;
  onEvent(event: InboxEvent): void;
  /** The server could not resume from our id: reload list and thread through REST. */
  onReset(): void;
  onStatus(status: LiveStatus): void;
  /** Membership or `conversations.view` lost: reload tenants and roles. */
  onAccessRevoked(): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * One event stream per tab for the current tenant (docs/inbox.md#live-updates): `GET /api/v1/events` read through
 * `fetch` (an EventSource cannot send Authorization or X-Tenant; tokens never go into URLs), resumed with
 * `Last-Event-ID` after an error, with backoff 1, 2, 4 … 30 s and full jitter.
 */
export class LiveStream {
  private readonly abort = new AbortController();
  private readonly cursor = new EventCursor();
  private failures = 0;
  private readyOnce = false;
  /** The server's last `retry:` (sent before a shutdown's `closing` to spread the reconnects). */
  private retryMs: number | null = null;

  constructor(
    private readonly api: Api,
    private readonly tenant: number,
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (typeof navigator !== 'undefined' && navigator.onLine === false) {
        this.handlers.onStatus('Offline');
        await new Promise<void>((resolve) => {
          window.addEventListener('online', () => resolve(), { once: true });
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        continue;
      }
      let wait: number | null;
      try {
        wait = await this.connectOnce(signal);
      } catch {
        wait = null;
      }
      if (signal.aborted) return;
      if (wait === null) {
        this.handlers.onStatus('Reconnecting…');
        wait = reconnectDelayMs(this.failures++);
      }
      await sleep(wait, signal);
    }
  }

  /** One connection; answers how long to wait before the next one (null: an error, back off). */
  private async connectOnce(signal: AbortSignal): Promise<number | null> {
    const token = await this.api.tokens.accessToken();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-tenant': String(this.tenant), accept: 'text/event-stream' };
    if (this.cursor.lastEventId !== null) headers['last-event-id'] = String(this.cursor.lastEventId);
    const response = await fetch('/api/v1/events', { headers, signal, cache: 'no-store' });
    if (response.status === 401) {
      await this.api.tokens.replaceRejected(token);
      return 0;
    }
    if (response.status === 429) {
      this.handlers.onStatus('Paused: too many open tabs');
      return 30_000;
    }
    if (response.status === 403) {
      // tenant_forbidden (membership lost) or forbidden (conversations.view lost): re-read access, then back off.
      this.handlers.onAccessRevoked();
      this.handlers.onStatus('Reconnecting…');
      return reconnectDelayMs(this.failures++) + 5_000;
    }
    if (!response.ok || !response.body) return null;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new StreamParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      for (const block of parser.push(value)) {
        const next = await this.handle(block);
        if (next !== undefined) {
          await reader.cancel().catch(() => undefined);
          return next;
        }
      }
    }
  }

  /** Applies one block; a number ends this connection (the wait before the next). */
  private async handle(block: StreamBlock): Promise<number | undefined> {
    if (block.retry !== null) this.retryMs = block.retry;
    if (block.event === 'ready' && block.id === null) {
      const ready = JSON.parse(block.data ?? '{}') as { last_event_id?: number };
      // Without a cursor the stream starts at the head: remember it, so a reconnect resumes without a gap.
      if (this.cursor.lastEventId === null && typeof ready.last_event_id === 'number') this.cursor.reset(ready.last_event_id);
      this.failures = 0;
      this.handlers.onStatus('Connected');
      if (!this.readyOnce) {
        this.readyOnce = true;
        this.handlers.onReady();
      }
      return undefined;
    }
    if (block.event === 'closing' && block.id === null) {
      const reason = (JSON.parse(block.data ?? '{}') as { reason?: string }).reason;
      this.handlers.onStatus('Reconnecting…');
      if (reason === 'token_expired' || reason === 'token_revoked') {
        await this.api.tokens.refresh();
        return 0;
      }
      if (reason === 'access_revoked') {
        this.handlers.onAccessRevoked();
        return 5_000;
      }
      return this.retryMs ?? 3_000;
    }
    if (block.event === 'reset') {
      this.cursor.accept(block);
      this.handlers.onReset();
      return undefined;
    }
    const event = this.cursor.accept(block);
    if (event) this.handlers.onEvent(event);
    return undefined;
  }
}
