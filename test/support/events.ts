/** The event log in tests: what it holds, events appended straight to it, and streams of it opened over real HTTP. */
import { readEventHead, readEventsAfter, type EventRow } from '../../src/modules/events/event-log.repository.js';
import type { Harness } from './harness.js';
import { expect } from 'vitest';
import type { Db } from '../../src/platform/db/db.js';
import { recordEvents, type Change } from '../../src/modules/events/event-recorder.js';
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';
import { SseReader, type SseEvent } from './widget.js';

/** The tenant's head: the last event id assigned so far (0 before the first). */
export async function eventHead(h: Harness, tenantId: number): Promise<number> {
  return (await readEventHead(h.deps.db, tenantId)).lastId;
}

/** Every event of the tenant above `afterId`, in id order. */
export async function eventsAfter(h: Harness, tenantId: number, afterId = 0): Promise<EventRow[]> {
  return readEventsAfter(h.deps.db, tenantId, afterId, 10_000);
}

/** `type#resourceId` of each event above `afterId`: the shape most assertions compare. */
export async function eventSummary(h: Harness, tenantId: number, afterId = 0): Promise<string[]> {
  return (await eventsAfter(h, tenantId, afterId)).map((event) => `${event.type}#${String(event.data.id)}`);
}

/** One event as the log records it: a resource kind and change with the rendered resource given (no row needed). */
export type TestEvent = Pick<Change, 'kind' | 'change'> & { id?: number };

const SAMPLE_DATA: Record<string, Record<string, unknown>> = {
  conversation: { id: 1, status: 'open' },
  message: { id: 1, message: 'Hello', file: null },
  customer: { id: 1, name: 'Ada' },
  blacklist_entry: { id: 1, reason: 'manual' },
  channel: { id: 1, name: 'Website', webhook_url: null },
  ai_suggestion: { id: 1 },
  agent_run: { id: 1 },
};

/** Appends events to a tenant's log in one transaction (consecutive ids), the way a write path's commit does. */
export async function appendTestEvents(db: Db, tenantId: number, events: TestEvent[], at = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [index, event] of events.entries()) {
      const id = event.id ?? index + 1;
      recordEvents(tx, tenantId, SYSTEM_ACTOR, at, { ...event, id, data: { ...SAMPLE_DATA[event.kind], id } });
    }
  });
}

/** `count` conversation.updated events, appended in one transaction. */
export async function appendUpdates(h: Harness, tenantId: number, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, index) => ({ kind: 'conversation' as const, change: 'updated' as const, id: index + 1 }));
  await appendTestEvents(h.deps.db, tenantId, events, h.clock.now());
}

export interface StreamOptions {
  token: string;
  tenantId?: number;
  query?: string;
  lastEventId?: string;
}

/** Opens GET /api/v1/events on `base` and checks it answered 200 as an event stream. */
export async function openEventStream(base: string, options: StreamOptions): Promise<SseReader> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.tenantId !== undefined) headers['x-tenant'] = String(options.tenantId);
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const reader = await SseReader.open(`${base}/api/v1/events${options.query ? `?${options.query}` : ''}`, headers);
  expect(reader.response.status).toBe(200);
  return reader;
}

/** The log's events a stream wrote (blocks with an id and data, `reset` excluded). */
export function loggedEvents(events: SseEvent[]): Array<{ id: number; type: string; data: any }> {
  return events
    .filter((event) => event.id !== null && event.data !== null && event.event !== 'reset')
    .map((event) => ({ id: Number(event.id), type: event.event!, data: JSON.parse(event.data!) }));
}

export function loggedIds(events: SseEvent[]): number[] {
  return loggedEvents(events).map((event) => event.id);
}

/** Waits until the stream has written events up to `id` (included). */
export function untilEvent(reader: SseReader, id: number): Promise<SseEvent[]> {
  return reader.until((events) => loggedIds(events).includes(id), `event ${id}`);
}

export function namedEvent(events: SseEvent[], name: string): any {
  const found = events.find((event) => event.event === name);
  return found ? JSON.parse(found.data!) : undefined;
}
