/**
 * The append mechanism of the event log (docs/events.md#ids-and-order): consecutive per-tenant ids, one statement at
 * the end of the transaction, nothing after a rollback, the head and its pruning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { recordEvents } from '../../src/modules/events/event-recorder.js';
import { pruneEvents, readEventHead, readEventsAfter } from '../../src/modules/events/event-log.repository.js';
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';
import { eventsChangeChannel } from '../../src/modules/events/event-channel.js';
import { newConversation } from '../support/requests.js';
import { enqueueRecurringJob } from '../../src/platform/jobs/job-queue.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('appending events', () => {
  it('gives each tenant consecutive ids from 1, in the order of the transaction rules', async () => {
    const first = await h.seedTenant();
    const second = await h.seedTenant();
    const conversationId = await newConversation(h, first, 'whatsapp', '+905551110001');
    const before = await readEventHead(h.deps.db, first.tenant_id);
    const woken: string[] = [];
    const stop = await h.deps.db.watchChanges(eventsChangeChannel(second.tenant_id), (event) => void (event === 'changed' && woken.push('second')));
    await h.deps.db.transaction(async (tx) => {
      recordEvents(tx, first.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'conversation', id: conversationId, change: 'updated' });
      recordEvents(tx, second.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1, webhook_url: '/x' } });
      recordEvents(tx, first.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1, webhook_url: null } });
    });
    stop();
    const firstEvents = await readEventsAfter(h.deps.db, first.tenant_id, before.lastId, 10);
    expect(firstEvents.map((event) => [event.id - before.lastId, event.type])).toEqual([
      [1, 'channel.updated'],
      [2, 'conversation.updated'],
    ]);
    expect(firstEvents[1]!.data.id).toBe(conversationId);
    const secondEvents = await readEventsAfter(h.deps.db, second.tenant_id, 0, 10);
    expect(secondEvents.map((event) => [event.id, event.type, event.actor_type])).toEqual([[1, 'channel.updated', 'system']]);
    expect(woken).toEqual(['second']);
    const head = await readEventHead(h.deps.db, second.tenant_id);
    expect(head).toEqual({ lastId: 1, prunedThrough: 0, oldestId: 1 });
  });

  it('writes nothing when the transaction rolls back, and refuses outside a transaction', async () => {
    const seed = await h.seedTenant();
    await expect(
      h.deps.db.transaction(async (tx) => {
        recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } });
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect(await readEventHead(h.deps.db, seed.tenant_id)).toEqual({ lastId: 0, prunedThrough: 0, oldestId: null });
    expect(() => recordEvents(h.deps.db, seed.tenant_id, SYSTEM_ACTOR, h.clock.now())).toThrow(/inside a transaction/);
  });

  it('prunes whole prefixes and records pruned_through; ids are never reused', async () => {
    const seed = await h.seedTenant();
    const append = (at: Date) =>
      h.deps.db.transaction(async (tx) => recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, at, { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } }));
    await append(new Date('2026-01-01T00:00:00Z'));
    await append(new Date('2026-01-01T02:00:00Z'));
    await append(new Date('2026-01-01T01:00:00Z'));
    await append(new Date('2026-01-01T05:00:00Z'));
    await pruneEvents(h.deps.db, new Date('2026-01-01T01:30:00Z'));
    expect(await readEventHead(h.deps.db, seed.tenant_id)).toEqual({ lastId: 4, prunedThrough: 3, oldestId: 4 });
    await append(new Date('2026-01-01T06:00:00Z'));
    expect((await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10)).map((event) => event.id)).toEqual([4, 5]);
  });
});

describe('the retention job', () => {
  it('deletes events older than FLEXTELL_EVENT_RETENTION_HOURS on the injectable clock', async () => {
    const seed = await h.seedTenant();
    const start = h.clock.now();
    const append = () =>
      h.deps.db.transaction(async (tx) =>
        recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } }),
      );
    await append();
    h.clock.advance(3600);
    await append();
    // 72 hours after the first event (the default): it is still within the period; one second later it is not.
    h.clock.set(new Date(start.getTime() + 72 * 3_600_000));
    expect(await enqueueRecurringJob(h.deps.db, 'event_retention', h.clock.now())).toBe(true);
    await h.drainJobs();
    expect((await readEventHead(h.deps.db, seed.tenant_id)).prunedThrough).toBe(0);
    h.clock.advance(1);
    expect(await enqueueRecurringJob(h.deps.db, 'event_retention', h.clock.now())).toBe(true);
    await h.drainJobs();
    expect(await readEventHead(h.deps.db, seed.tenant_id)).toEqual({ lastId: 2, prunedThrough: 1, oldestId: 2 });
  });
});

describe('concurrent writers', () => {
  it('get consecutive ids, and a reader polling meanwhile never skips one (visibility order = id order)', async () => {
    const seed = await h.seedTenant();
    const seen: number[] = [];
    let writing = true;
    const reader = (async () => {
      // Whatever a read returns must continue the ids seen so far without a gap: a later commit with a lower id would break it.
      while (writing || seen.length < 40) {
        const events = await readEventsAfter(h.deps.db, seed.tenant_id, seen.at(-1) ?? 0, 100);
        seen.push(...events.map((event) => event.id));
        if (!writing && events.length === 0) break;
      }
    })();
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        h.deps.db.transaction(async (tx) => {
          recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: index, change: 'updated', data: { id: index } });
          // Some work between the record and the commit, so transactions overlap on PostgreSQL.
          await tx.query('SELECT pg_sleep(0.002)');
        }),
      ),
    );
    writing = false;
    await reader;
    expect(seen).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    const stored = await readEventsAfter(h.deps.db, seed.tenant_id, 0, 100);
    expect(new Set(stored.map((event) => event.data.id)).size).toBe(40);
  });
});
