/**
 * GET /api/v1/events with REDIS_URL pointing at a closed port (docs/events.md#several-processes, spec rule 17): streams
 * open and are fed all the same — this process's commits wake them directly, LISTEN/NOTIFY or the in-process signal
 * is not needed — and the per-token limit falls back to this process's own count. Across processes the 5-second log
 * read takes over (test/cli/event-stream-cross-process.test.ts, "Redis unreachable").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { httpCall, widgetClient, type SseReader } from '../support/widget.js';
import { expectError } from '../support/assertions.js';
import { loggedEvents, openEventStream } from '../support/events.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
const open: SseReader[] = [];

beforeAll(async () => {
  // Port 1 on the loopback: every connection is refused at once.
  h = await createHarness({ REDIS_URL: 'redis://127.0.0.1:1', FLEXTELL_EVENTS_MAX_STREAMS_PER_TOKEN: '1' });
  base = (await widgetClient(h)).base;
});
afterEach(() => {
  for (const reader of open.splice(0)) reader.close();
});
afterAll(async () => h?.close());

async function stream(seed: SeedResult): Promise<SseReader> {
  const reader = await openEventStream(base, { token: seed.access_token, tenantId: seed.tenant_id });
  open.push(reader);
  await reader.until((events) => events.some((event) => event.event === 'ready'), 'ready');
  return reader;
}

describe('event streams while Redis is unreachable', () => {
  it('deliver what the API writes, each event once and in id order', async () => {
    // On PostgreSQL the Redis bus is in use (and failing); the embedded database has no other process to tell.
    expect(h.deps.eventBus.kind).toBe(h.engine === 'postgres' ? 'redis' : 'database');
    const seed = await h.seedTenant({ conversations: 0 });
    const reader = await stream(seed);
    const created: number[] = [];
    for (const firstName of ['Ada', 'Grace']) {
      const response = await h.request({
        method: 'POST',
        url: '/api/v1/customers',
        token: seed.access_token,
        tenant: seed.tenant_id,
        body: { first_name: firstName, last_name: 'Offline' },
      });
      expect(response.status, response.body).toBe(201);
      created.push(response.json.data.id);
    }
    const customers = () => loggedEvents(reader.events).filter((event) => event.type === 'customer.created');
    await reader.until(() => customers().length === 2, 'two customers');
    expect(customers().map((event) => event.data.data.id)).toEqual(created);
    const ids = loggedEvents(reader.events).map((event) => event.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
  });

  it("limit a token's streams by this process's own count", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    await stream(seed);
    const refused = await httpCall(base, 'GET', '/api/v1/events', { token: seed.access_token, headers: { 'x-tenant': String(seed.tenant_id) } });
    expectError(refused, 429, 'too_many_streams', 'Too many open event streams for this access token (limit 1). Close one and retry.');
  });
});
