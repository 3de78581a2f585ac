/**
 * Group commit of the webhooks' events (InboundEventWriter, docs/channels.md#inbound-webhooks): deliveries that arrive
 * while statements are running share the next statement, each learns how many of its own events were stored, a
 * redelivery in the same statement is stored once, and a delivery that makes the statement fail fails alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import type { Queryable } from '../../src/platform/db/db.js';
import { InboundEventWriter } from '../../src/modules/inbound/inbound-event-writer.js';
import type { InboundDelivery, NewInboundEvent } from '../../src/modules/inbound/inbound-event.repository.js';

let h: Harness;
let seed: SeedResult;
let serial = 0;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant();
});
afterAll(async () => h?.close());

/** The test database, counting the statements that go through it. */
function countingDb(): Queryable & { statements: number } {
  const counting = {
    statements: 0,
    query: (text: string, params?: unknown[]) => {
      counting.statements += 1;
      return h.deps.db.query(text, params);
    },
  };
  return counting as Queryable & { statements: number };
}

function event(address: string, eventKey = `wamid.writer${process.pid}-${++serial}`, tenantId = seed.tenant_id): NewInboundEvent {
  return {
    tenantId,
    channelId: seed.channels.whatsapp,
    provider: 'whatsapp',
    eventKey,
    payload: { key: eventKey },
    orderingKey: `inbound:${tenantId}:${seed.channels.whatsapp}:${address}`,
  };
}

function delivery(...events: NewInboundEvent[]): InboundDelivery {
  return { events, receivedAt: h.clock.now() };
}

async function storedIds(keys: string[]): Promise<Array<{ event_key: string; id: number }>> {
  return sql(h, 'SELECT event_key, id FROM inbound_events WHERE tenant_id = $1 AND event_key = ANY($2::text[]) ORDER BY id', [seed.tenant_id, keys]);
}

describe('InboundEventWriter', () => {
  it('stores deliveries that arrive together in fewer statements, in arrival order, and tells each what it stored', async () => {
    const db = countingDb();
    const writer = new InboundEventWriter(db);
    const deliveries = Array.from({ length: 8 }, () => delivery(event('+905320000001'), event('+905320000002')));
    const stored = await Promise.all(deliveries.map((one) => writer.store(one)));
    expect(stored).toEqual(deliveries.map(() => 2));
    // Two statements start at once; the six deliveries that waited share the next ones, in arrival order. (The first
    // two race each other, as two webhooks in flight at once always did: ids follow their commits.)
    expect(db.statements).toBeLessThanOrEqual(4);
    const waited = deliveries.slice(2).flatMap((one) => one.events.map((row) => row.eventKey));
    expect((await storedIds(waited)).map((row) => row.event_key)).toEqual(waited);
    const all = deliveries.flatMap((one) => one.events.map((row) => row.eventKey));
    expect(await storedIds(all)).toHaveLength(all.length);
  });

  it('stores a redelivery waiting in the same statement once, for the delivery that came first', async () => {
    const writer = new InboundEventWriter(countingDb());
    const repeated = event('+905320000003');
    const [first, second, third, redelivery] = await Promise.all([
      writer.store(delivery(event('+905320000004'))),
      writer.store(delivery(event('+905320000005'))),
      writer.store(delivery(repeated, event('+905320000003'))),
      writer.store(delivery({ ...repeated })),
    ]);
    expect([first, second, third, redelivery]).toEqual([1, 1, 2, 0]);
    expect(await storedIds([repeated.eventKey])).toHaveLength(1);
  });

  it('fails only the delivery that makes the statement fail', async () => {
    const writer = new InboundEventWriter(countingDb());
    const good = [event('+905320000006'), event('+905320000007'), event('+905320000008')];
    const results = await Promise.allSettled([
      writer.store(delivery(good[0]!)),
      writer.store(delivery(good[1]!)),
      writer.store(delivery(event('+905320000009', undefined, 2_000_000_000))),
      writer.store(delivery(good[2]!)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await storedIds(good.map((row) => row.eventKey))).toHaveLength(3);
  });

  it('answers an empty delivery without a statement', async () => {
    const db = countingDb();
    expect(await new InboundEventWriter(db).store(delivery())).toBe(0);
    expect(db.statements).toBe(0);
  });
});
