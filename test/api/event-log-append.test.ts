/**
 * The append mechanism of the event log (docs/events.md#ids-and-order): consecutive per-tenant ids, staged by one
 * statement at the end of the transaction and numbered after its commit, nothing after a rollback, the head and its
 * pruning, the sweep of staged events nobody moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { recordEvents } from '../../src/modules/events/event-recorder.js';
import { pruneEvents, readEventHead, readEventsAfter } from '../../src/modules/events/event-log.repository.js';
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';
import { eventsChangeChannel } from '../../src/modules/events/event-channel.js';
import { newConversation } from '../support/requests.js';
import { enqueueRecurringJob } from '../../src/platform/jobs/job-queue.js';
import { moveStagedEvents, stageEvents, type NewEvent } from '../../src/modules/events/event-outbox.js';
import { joinTransaction } from '../../src/platform/db/joined-transaction.js';
import { currentEngine } from '../support/test-database.js';

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

describe('the outbox (events staged by the transaction, numbered after its commit)', () => {
  const channelEvent = (tenantId: number, id: number): NewEvent => ({
    tenantId,
    type: 'channel.updated',
    occurredAt: h.clock.now(),
    actor: SYSTEM_ACTOR,
    data: { id },
  });
  const staged = async (tenantId: number) =>
    (
      await h.deps.db.query<{ batch: number; position: number }>('SELECT batch, position FROM event_outbox WHERE tenant_id = $1 ORDER BY batch, position', [
        tenantId,
      ])
    ).rows;

  it('keeps the staging statements of one transaction in one batch with continuing positions', async () => {
    const seed = await h.seedTenant();
    // Staged directly, as a process that ends right after its commit leaves them: nothing moves them yet.
    await h.deps.db.transaction(async (tx) => {
      await stageEvents(tx, [channelEvent(seed.tenant_id, 1), channelEvent(seed.tenant_id, 2)]);
      await stageEvents(tx, [channelEvent(seed.tenant_id, 3)]);
    });
    await h.deps.db.transaction((tx) => stageEvents(tx, [channelEvent(seed.tenant_id, 4)]));
    const rows = await staged(seed.tenant_id);
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 1]);
    expect(new Set(rows.slice(0, 3).map((row) => row.batch)).size).toBe(1);
    expect(rows[3]!.batch).toBeGreaterThan(rows[0]!.batch);
    expect(await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10)).toEqual([]);
  });

  it('leaves staged events to the sweep job, which numbers them in order; a second move finds nothing', async () => {
    const seed = await h.seedTenant();
    await h.deps.db.transaction((tx) => stageEvents(tx, [channelEvent(seed.tenant_id, 1), channelEvent(seed.tenant_id, 2)]));
    await h.deps.db.transaction((tx) => stageEvents(tx, [channelEvent(seed.tenant_id, 3)]));
    expect(await enqueueRecurringJob(h.deps.db, 'event_outbox_sweep', h.clock.now())).toBe(true);
    await h.drainJobs();
    const events = await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10);
    expect(events.map((event) => [event.id, event.data.id])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(await staged(seed.tenant_id)).toEqual([]);
    expect(await moveStagedEvents(h.deps.db, seed.tenant_id)).toBe(0);
    expect(await readEventHead(h.deps.db, seed.tenant_id)).toMatchObject({ lastId: 3 });
  });

  it('stages nothing and moves nothing when an idempotent request savepoint rolls back', async () => {
    const seed = await h.seedTenant();
    await h.deps.db.transaction(async (tx) => {
      const joined = joinTransaction(h.deps.db, tx);
      await joined.transaction(async (inner) =>
        recordEvents(inner, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } }),
      );
      await expect(
        joined.transaction(async (inner) => {
          recordEvents(inner, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 2, change: 'updated', data: { id: 2 } });
          throw new Error('undone');
        }),
      ).rejects.toThrow('undone');
      await joined.transaction(async (inner) =>
        recordEvents(inner, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 3, change: 'updated', data: { id: 3 } }),
      );
    });
    // Moved when the outer transaction's call returned, consecutive and without the rolled-back savepoint's event.
    const events = await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10);
    expect(events.map((event) => [event.id, event.data.id])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(await staged(seed.tenant_id)).toEqual([]);
  });
});

describe.runIf(currentEngine() === 'postgres')('the outbox under concurrent transactions (PostgreSQL)', () => {
  it("keeps a transaction's events together although another drew its batch between its two stagings", async () => {
    const seed = await h.seedTenant();
    const event = (id: number): NewEvent => ({
      tenantId: seed.tenant_id,
      type: 'channel.updated',
      occurredAt: h.clock.now(),
      actor: SYSTEM_ACTOR,
      data: { id },
    });
    let releaseOther!: () => void;
    const otherMayCommit = new Promise<void>((resolve) => (releaseOther = resolve));
    let otherStaged!: () => void;
    const otherHasStaged = new Promise<void>((resolve) => (otherStaged = resolve));
    let firstStaged!: () => void;
    const firstHasStaged = new Promise<void>((resolve) => (firstStaged = resolve));
    // Raw transactions on two connections, with no move after commit: the test moves once both have committed.
    const first = h.deps.db.session((session) =>
      session.query('BEGIN').then(async () => {
        await stageEvents(session, [event(1)]);
        firstStaged();
        await otherHasStaged;
        await stageEvents(session, [event(2)]);
        await session.query('COMMIT');
        releaseOther();
      }),
    );
    const second = h.deps.db.session((session) =>
      session.query('BEGIN').then(async () => {
        await firstHasStaged;
        await stageEvents(session, [event(3)]);
        otherStaged();
        await otherMayCommit;
        await session.query('COMMIT');
      }),
    );
    await Promise.all([first, second]);
    await moveStagedEvents(h.deps.db, seed.tenant_id);
    expect((await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10)).map((stored) => [stored.id, stored.data.id])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});

describe('numbering at commit or through the outbox', () => {
  const record = (tenantId: number, id: number) =>
    h.deps.db.transaction(async (tx) => recordEvents(tx, tenantId, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id, change: 'updated', data: { id } }));
  const outboxSize = async (tenantId: number) =>
    (await h.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE tenant_id = $1', [tenantId])).rows[0]!.n;

  it('a write after committed staged events waits behind them: it stages too, and the move keeps commit order', async () => {
    const seed = await h.seedTenant();
    await record(seed.tenant_id, 1);
    // Left staged as by a process that ended after its commit.
    await h.deps.db.transaction((tx) =>
      stageEvents(tx, [{ tenantId: seed.tenant_id, type: 'channel.updated', occurredAt: h.clock.now(), actor: SYSTEM_ACTOR, data: { id: 2 } }]),
    );
    await record(seed.tenant_id, 3);
    expect((await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10)).map((event) => [event.id, event.data.id])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(await outboxSize(seed.tenant_id)).toBe(0);
  });
});

describe.runIf(currentEngine() === 'postgres')('numbering while another transaction holds the head (PostgreSQL)', () => {
  it('stages instead of waiting, and its call returns once the head is free and its events are moved', async () => {
    const seed = await h.seedTenant();
    await h.deps.db.transaction(async (tx) =>
      recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } }),
    );
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = h.deps.db.session(async (session) => {
      await session.query('BEGIN');
      await session.query('SELECT last_id FROM event_heads WHERE tenant_id = $1 FOR UPDATE', [seed.tenant_id]);
      locked();
      await released;
      await session.query('COMMIT');
    });
    await isLocked;
    let returned = false;
    const write = h.deps.db
      .transaction(async (tx) => recordEvents(tx, seed.tenant_id, SYSTEM_ACTOR, h.clock.now(), { kind: 'channel', id: 2, change: 'updated', data: { id: 2 } }))
      .then(() => void (returned = true));
    // Committed and staged at once; the move waits for the head.
    await expect
      .poll(async () => (await h.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE tenant_id = $1', [seed.tenant_id])).rows[0]!.n)
      .toBe(1);
    expect(returned).toBe(false);
    release();
    await Promise.all([holder, write]);
    expect((await readEventsAfter(h.deps.db, seed.tenant_id, 0, 10)).map((event) => [event.id, event.data.id])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
