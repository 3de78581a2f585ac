import type { InboxEvent } from './types.js';

/** One block of a `text/event-stream` body (WHATWG): what a parser hands on. */
export interface StreamBlock {
  id: string | null;
  event: string;
  data: string | null;
  retry: number | null;
}

/**
 * An incremental event-stream parser for `fetch` bodies (an EventSource cannot send Authorization or X-Tenant).
 * Feed it text as it arrives; it returns the complete blocks. Comments (`: ping`) produce nothing.
 */
export class StreamParser {
  private buffer = '';

  push(chunk: string): StreamBlock[] {
    this.buffer += chunk;
    const blocks: StreamBlock[] = [];
    let end: number;
    while ((end = this.blockEnd()) >= 0) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end).replace(/^(\r\n|\r|\n){2}/, '');
      const block = parseBlock(raw);
      if (block) blocks.push(block);
    }
    return blocks;
  }

  private blockEnd(): number {
    const match = /(\r\n|\r|\n)(\r\n|\r|\n)/.exec(this.buffer);
    return match ? match.index : -1;
  }
}

function parseBlock(raw: string): StreamBlock | null {
  const block: StreamBlock = { id: null, event: 'message', data: null, retry: null };
  let meaningful = false;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    meaningful = true;
    if (field === 'id') block.id = value;
    else if (field === 'event') block.event = value;
    else if (field === 'data') block.data = block.data === null ? value : `${block.data}\n${value}`;
    else if (field === 'retry' && /^\d+$/.test(value)) block.retry = Number(value);
  }
  return meaningful ? block : null;
}

/**
 * Where the stream resumes (docs/inbox.md#live-updates): the last event id seen, moved by every `id:` (id-only
 * blocks of skipped events too), never backwards. An event at or below it was applied already — after a reconnect
 * with `Last-Event-ID` nothing is lost or applied twice.
 */
export class EventCursor {
  constructor(private last: number | null = null) {}

  get lastEventId(): number | null {
    return this.last;
  }

  /** The event to apply for this block, or null (a duplicate, an id-only block, a control event). */
  accept(block: StreamBlock): InboxEvent | null {
    const id = block.id !== null && /^\d+$/.test(block.id) ? Number(block.id) : null;
    if (id === null) return null;
    if (this.last !== null && id <= this.last) return null;
    this.last = id;
    if (block.data === null) return null;
    try {
      const event = JSON.parse(block.data) as InboxEvent;
      return typeof event === 'object' && event !== null && typeof event.type === 'string' ? event : null;
    } catch {
      return null;
    }
  }

  /** A `reset`: the client reloads through REST and resumes from the head the server gave. */
  reset(head: number): void {
    this.last = head;
  }
}

/** Reconnect delay after the n-th failure in a row (0-based): 1, 2, 4 … up to 30 s, with full jitter. */
export function reconnectDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(failures, 15));
  return Math.floor(random() * ceiling);
}
