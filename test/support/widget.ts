/** The website widget's API over real HTTP (docs/channels.md#website-widget): sessions, calls, and an SSE reader. */
import { expect } from 'vitest';
import { createHarness, type Harness, type TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { sql } from './factories.js';
import { httpCall, type CallOptions } from './http-call.js';

export { httpCall };

export interface WidgetClient {
  base: string;
  call(method: string, path: string, options?: CallOptions): Promise<TestResponse>;
}

/** A harness whose widget rate limits stay out of the way (the limits have their own tests), and its widget client. */
export async function widgetHarness(): Promise<{ h: Harness; client: WidgetClient }> {
  const h = await createHarness({ FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '10000' });
  return { h, client: await widgetClient(h) };
}

/** The harness's app listening on 127.0.0.1 (the widget is a browser's cross-origin client: real HTTP, real headers). */
export async function widgetClient(h: Harness): Promise<WidgetClient> {
  const address = h.app.server.address();
  const base = address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : await h.app.listen({ host: '127.0.0.1', port: 0 });
  return { base, call: (method, path, options = {}) => httpCall(base, method, path, options) };
}

export async function widgetKey(h: Harness, seed: SeedResult): Promise<string> {
  const [row] = await sql(h, 'SELECT settings ->> $3 AS key FROM channels WHERE tenant_id = $1 AND id = $2', [
    seed.tenant_id,
    seed.channels.website,
    'widget_key',
  ]);
  return row!.key as string;
}

/** A new visitor session on the seed's website channel: its token. */
export async function visitorToken(client: WidgetClient, key: string, profile: { name?: string; email?: string } = {}): Promise<string> {
  const response = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key, ...profile } });
  expect(response.status, response.body).toBe(201);
  return response.json.visitor_token as string;
}

export async function visitorSays(client: WidgetClient, token: string, message: string): Promise<any> {
  const response = await client.call('POST', '/widget/v1/messages', { token, body: { message } });
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

/** The conversation the visitor's first message opened (found by its customer-side address prefix). */
export async function visitorConversationId(h: Harness, seed: SeedResult, messageId: number): Promise<number> {
  const [row] = await sql(h, 'SELECT conversation_id FROM messages WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, messageId]);
  return Number(row!.conversation_id);
}

export interface SseEvent {
  event: string | null;
  id: string | null;
  data: string | null;
  comment: string | null;
}

/** An open event stream read with fetch: events are parsed as they arrive; `next` waits for the next one. */
export class SseReader {
  readonly events: SseEvent[] = [];
  /** Everything the stream wrote, as sent (`retry:` lines included). */
  rawText = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  ended = false;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    void this.pump();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    return new SseReader(response, controller);
  }

  private async pump(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.rawText += text;
        this.buffer += text;
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) !== -1) {
          this.events.push(parseEvent(this.buffer.slice(0, end)));
          this.buffer = this.buffer.slice(end + 2);
        }
        this.notify();
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits (at most `timeoutMs`) until `predicate` holds for the events read so far. */
  async until(predicate: (events: SseEvent[]) => boolean, what: string, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (this.ended) throw new Error(`The stream ended before ${what}: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** The message events read so far, parsed. */
  messages(): Array<{ id: string; data: any }> {
    return this.events.filter((event) => event.event === 'message').map((event) => ({ id: event.id!, data: JSON.parse(event.data!) }));
  }

  async untilEnded(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.ended, 'the end of the stream', timeoutMs).catch((error) => {
      if (!this.ended) throw error;
    });
  }

  close(): void {
    this.controller.abort();
  }
}

function parseEvent(block: string): SseEvent {
  const event: SseEvent = { event: null, id: null, data: null, comment: null };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) event.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) event.event = line.slice(7);
    else if (line.startsWith('id: ')) event.id = line.slice(4);
    else if (line.startsWith('data: ')) event.data = line.slice(6);
  }
  return event;
}
