import { inOrder, type Queryable } from '../../platform/db/db.js';
import { eventsChangeChannel } from './event-channel.js';
import { moveStagedEventsAfterCommit, moveStagedEventsInBackground, numberEvents, stageEvents, takeHeadIfFree, type NewEvent } from './event-outbox.js';
import { eventTypeOf, orderChanges, type RecordedChange } from './event-order.js';
import { loadSnapshots } from './event-snapshots.js';
import type { ChangeKind, EventActor, ResourceKind } from './event-types.js';

const buffers = new WeakMap<Queryable, RecordedChange[]>();

/**
 * For the rest of the transaction (its snapshot loads and last statements): one cached generic plan per statement,
 * and no sequential scans. A generic plan is made once per connection and kept until the next ANALYZE; made while a
 * table was small, it scans the table for each id, and without autovacuum (or between its runs) it would keep doing so
 * as the table grows (bench/RESULTS.md, bench:ingest of 2026-12-08). Every snapshot lookup is by key.
 */
const SNAPSHOT_PLANNING = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)";
const inBackground = new WeakSet<Queryable>();

/**
 * For background work (inbound processing): the transaction `tx` returns once committed, without waiting for its
 * staged events to move into the log; they follow a moment later (docs/events.md#ids).
 */
export function moveEventsInBackground(tx: Queryable): void {
  inBackground.add(tx);
}

/** What a write path tells the log: this resource of this tenant changed so, by this actor, at this time. */
export interface Change {
  kind: ResourceKind;
  id: number;
  change: ChangeKind;
  /** Only for a resource that cannot be loaded at commit (its row is gone): the resource as rendered. */
  data?: Record<string, unknown>;
}

/**
 * Records changes the transaction `tx` made (docs/events.md#who-writes-what). Nothing is written yet: when the
 * transaction's work is done, the recorded resources are loaded in their final state, merged and ordered by the
 * rules of one transaction, and staged by one statement, the transaction's last; once it has committed, they move
 * into the log with their ids before the transaction's call returns (event-outbox.ts). A rollback drops them with
 * the changes. Call it only for a write that changed something: a no-op writes no event.
 */
export function recordEvents(tx: Queryable, tenantId: number, actor: EventActor, at: Date, ...changes: Change[]): void {
  if (!tx.beforeCommit || !tx.afterCommit) throw new Error('Events are recorded inside a transaction, which stages them before its commit.');
  let buffer = buffers.get(tx);
  if (!buffer) {
    const created: RecordedChange[] = [];
    buffers.set(tx, (buffer = created));
    tx.beforeCommit('event-log', () => writeRecordedEvents(tx, created), { last: true });
  }
  for (const change of changes) buffer.push({ tenantId, actor, at, ...change });
}

async function writeRecordedEvents(tx: Queryable, recorded: RecordedChange[]): Promise<void> {
  const ordered = orderChanges(recorded);
  if (ordered.length === 0) return;
  // Derived fields (remaining_time, has_new_messages) are computed at the transaction's latest time.
  const now = new Date(Math.max(...recorded.map((change) => change.at.getTime())));
  const snapshots = new Map<string, Map<number, Record<string, unknown>>>();
  const wanted = new Map<string, { tenantId: number; kind: ResourceKind; ids: number[] }>();
  for (const change of ordered) {
    if (change.data) continue;
    const key = `${change.tenantId}:${change.kind}`;
    const group = wanted.get(key) ?? { tenantId: change.tenantId, kind: change.kind, ids: [] };
    group.ids.push(change.id);
    wanted.set(key, group);
  }
  // The snapshot loaders are the finders' lookups by id, whose custom plans cost more to make than to run (planning
  // a conversation's lookup is most of its time): inside this transaction's last statements, reuse one plan each,
  // made with index lookups only (SNAPSHOT_PLANNING).
  // With them, each tenant's head row is taken if it is free: independent statements, which leave in one round trip
  // where the transaction pipelines.
  const loads = [...wanted].map(
    ([key, group]) =>
      async () =>
        void snapshots.set(key, await loadSnapshots(tx, group.tenantId, group.kind, group.ids, now)),
  );
  const heads = new Map<number, number>();
  const takes = [...new Set(ordered.map((change) => change.tenantId))].map((tenantId) => async () => {
    const lastId = await takeHeadIfFree(tx, tenantId);
    if (lastId !== null) heads.set(tenantId, lastId);
  });
  const planning = wanted.size > 0 ? [async () => void (await tx.query(SNAPSHOT_PLANNING))] : [];
  await inOrder(tx, [...planning, ...loads, ...takes]);
  const events: NewEvent[] = [];
  for (const change of ordered) {
    const data = change.data ?? snapshots.get(`${change.tenantId}:${change.kind}`)?.get(change.id);
    // A resource gone by commit without a rendered copy has nothing to show; its change is not observable.
    if (!data) continue;
    events.push({ tenantId: change.tenantId, type: eventTypeOf(change), occurredAt: change.at, actor: change.actor, data });
  }
  // Tenants whose head this transaction holds number their events now; the others' wait in the outbox for a move.
  await numberEvents(
    tx,
    events.filter((event) => heads.has(event.tenantId)),
    heads,
  );
  const staged = events.filter((event) => !heads.has(event.tenantId));
  await stageEvents(tx, staged);
  for (const tenantId of new Set(events.map((event) => event.tenantId))) {
    if (heads.has(tenantId)) tx.signalAfterCommit?.(eventsChangeChannel(tenantId));
  }
  for (const tenantId of new Set(staged.map((event) => event.tenantId))) {
    const move = inBackground.has(tx) ? moveStagedEventsInBackground : moveStagedEventsAfterCommit;
    tx.afterCommit?.(`event-outbox:${tenantId}`, (db) => move(db, tenantId));
  }
}
