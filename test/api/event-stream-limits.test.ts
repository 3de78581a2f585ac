/**
 * GET /api/v1/events, what a process allows (docs/events.md#limits): open streams per access token (429) and per
 * process (503), counted out again when a stream closes; and the heartbeat at its configured period.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { httpCall, widgetClient, type SseReader } from '../support/widget.js';
import { expectError } from '../support/assertions.js';
import { pollUntil } from '../support/processes.js';
import { namedEvent, openEventStream } from '../support/events.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
const open: SseReader[] = [];

beforeAll(async () => {
  h = await createHarness({
    FLEXTELL_EVENTS_MAX_STREAMS_PER_TOKEN: '2',
    FLEXTELL_EVENTS_MAX_STREAMS: '3',
    FLEXTELL_EVENTS_HEARTBEAT_SECONDS: '1',
  });
  base = (await widgetClient(h)).base;
});
afterEach(async () => {
  for (const reader of open.splice(0)) reader.close();
  await pollUntil(async () => (h.app.eventStreams.openCount === 0 ? true : undefined), 10_000, 'every stream closed');
});
afterAll(async () => h?.close());

async function stream(seed: SeedResult, token: string): Promise<SseReader> {
  const reader = await openEventStream(base, { token, tenantId: seed.tenant_id });
  open.push(reader);
  await reader.until((events) => events.some((event) => event.event === 'ready'), 'ready');
  return reader;
}

function refusedStream(seed: SeedResult, token: string) {
  return httpCall(base, 'GET', '/api/v1/events', { token, headers: { 'x-tenant': String(seed.tenant_id) } });
}

describe('limits', () => {
  it('answers 429 too_many_streams past the streams of one token, and admits again once one closes', async () => {
    const seed = await h.seedTenant();
    const token = await h.token(seed.user_id);
    const first = await stream(seed, token);
    await stream(seed, token);
    const refused = await refusedStream(seed, token);
    expectError(refused, 429, 'too_many_streams', 'Too many open event streams for this access token (limit 2). Close one and retry.');
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    // Another token of the same user has its own count.
    await stream(seed, await h.token(seed.user_id));
    first.close();
    await pollUntil(async () => (h.app.eventStreams.openCount === 2 ? true : undefined), 10_000, 'the closed stream counted out');
    await stream(seed, token);
  });

  it('answers 503 past the streams of the process, with the request id, and 429 when both apply', async () => {
    const seed = await h.seedTenant();
    const one = await h.token(seed.user_id);
    const other = await h.token(seed.user_id);
    await stream(seed, one);
    await stream(seed, one);
    await stream(seed, other);
    const refused = await refusedStream(seed, other);
    const requestId = refused.headers['x-request-id'];
    expectError(refused, 503, 'service_unavailable', `Too many open streams on this server. Retry later. (request id ${requestId})`);
    expect(refused.headers['retry-after']).toBe('5');
    expectError(await refusedStream(seed, one), 429, 'too_many_streams');
  });
});

describe('heartbeat', () => {
  it('announces its period in ready and writes `: ping` after it', async () => {
    const seed = await h.seedTenant();
    const reader = await stream(seed, seed.access_token);
    expect(namedEvent(reader.events, 'ready')).toEqual({ last_event_id: 0, oldest_event_id: null, heartbeat_seconds: 1 });
    const events = await reader.until((seen) => seen.some((event) => event.comment === 'ping'), 'a ping');
    expect(events.find((event) => event.comment === 'ping')).toEqual({ event: null, id: null, data: null, comment: 'ping' });
  });
});
