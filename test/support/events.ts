import { readEventHead, readEventsAfter, type EventRow } from '../../src/modules/events/event-log.repository.js';
import type { Harness } from './harness.js';

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
