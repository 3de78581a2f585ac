import { queryLast, type Db, type Queryable } from '../../platform/db/db.js';
import { eventsChangeChannel } from './event-channel.js';
import type { EventActor } from './event-types.js';

/** An event ready to stage: its id is assigned when it moves into the log. */
export interface NewEvent {
  tenantId: number;
  type: string;
  occurredAt: Date;
  actor: EventActor;
  data: Record<string, unknown>;
}

/** The columns of `events` as the arrays the write statements unnest: tenant, type, time, actor (3), data. */
function eventColumns(events: readonly NewEvent[]): unknown[][] {
  return [
    events.map((event) => event.tenantId),
    events.map((event) => event.type),
    events.map((event) => event.occurredAt.toISOString()),
    events.map((event) => event.actor.type),
    events.map((event) => event.actor.id),
    events.map((event) => event.actor.name),
    events.map((event) => JSON.stringify(event.data)),
  ];
}

/** Batches (writing transactions) one move takes at most; a bigger backlog moves in several. */
const BATCHES_PER_MOVE = 500;

/**
 * Stages `events` (in the order given) in the outbox, in one statement of the writing transaction, which takes no
 * lock another writer waits for (docs/events.md#ids). Every staging statement of one transaction (a savepoint of an
 * idempotent request stages its own) shares the transaction's batch number, held in a transaction-local setting,
 * and continues its positions, so the transaction's events get consecutive ids.
 */
export async function stageEvents(tx: Queryable, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Sent with the COMMIT: nothing in the transaction follows it.
  await queryLast(
    tx,
    `WITH held AS MATERIALIZED (
       SELECT coalesce(nullif(current_setting('flextell.event_batch', true), '')::bigint, nextval('event_outbox_batches')) AS batch,
              coalesce(nullif(current_setting('flextell.event_position', true), '')::int, 0) AS base
     ), batch AS MATERIALIZED (
       SELECT batch, base, set_config('flextell.event_batch', batch::text, true) AS b,
              set_config('flextell.event_position', (base + $1::int)::text, true) AS p
         FROM held
     )
     INSERT INTO event_outbox (tenant_id, batch, position, type, occurred_at, actor_type, actor_id, actor_name, data)
     SELECT e.tenant_id, batch.batch, batch.base + e.position, e.type, e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.data::jsonb
       FROM batch, unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::text[])
              WITH ORDINALITY AS e(tenant_id, type, occurred_at, actor_type, actor_id, actor_name, data, position)`,
    [events.length, ...eventColumns(events)],
  );
}

/**
 * Locks the tenant's head row for this transaction when that is possible at once and none of the tenant's committed
 * events waits in the outbox (or an earlier savepoint of this transaction numbered its events so): then the
 * transaction numbers its events itself (`numberEvents`) and holds the head through its commit, as a move does.
 * Returns the last assigned id, or null: stage instead. Waiting staged events must keep their place before the
 * events of a transaction that began after they committed, hence no direct numbering while any wait. Inbound
 * processing numbers its events so too, although it commits without waiting for its WAL flush: see
 * docs/events.md#ids ("A database crash").
 */
export async function takeHeadIfFree(tx: Queryable, tenantId: number): Promise<number | null> {
  const result = await tx.query<{ last_id: number }>(
    `SELECT h.last_id FROM event_heads h
      WHERE h.tenant_id = $1
        AND (current_setting('flextell.events_numbered_' || $1::text, true) = 'yes'
             OR NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.tenant_id = $1))
        FOR UPDATE SKIP LOCKED`,
    [tenantId],
  );
  return result.rows[0] ? Number(result.rows[0].last_id) : null;
}

/**
 * Writes `events` straight into the log with the ids after `lastIds` (per tenant, each head taken by
 * `takeHeadIfFree` in this transaction), as the transaction's last statement, and marks the tenants so a later
 * savepoint of the same transaction numbers its events the same way (consecutive with these).
 */
export async function numberEvents(tx: Queryable, events: readonly NewEvent[], lastIds: ReadonlyMap<number, number>): Promise<void> {
  if (events.length === 0) return;
  const next = new Map(lastIds);
  const ids = events.map((event) => {
    const id = next.get(event.tenantId)! + 1;
    next.set(event.tenantId, id);
    return id;
  });
  await queryLast(
    tx,
    `WITH marked AS MATERIALIZED (
       SELECT set_config('flextell.events_numbered_' || t::text, 'yes', true) FROM (SELECT DISTINCT unnest($2::bigint[]) AS t) tenants
     ), logged AS (
       INSERT INTO events (tenant_id, id, type, occurred_at, actor_type, actor_id, actor_name, data)
       SELECT e.tenant_id, e.id, e.type, e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.data::jsonb
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::text[])
                AS e(id, tenant_id, type, occurred_at, actor_type, actor_id, actor_name, data)
       RETURNING tenant_id, id
     )
     UPDATE event_heads h SET last_id = top.last_id
       FROM (SELECT tenant_id, max(id) AS last_id FROM logged GROUP BY tenant_id) top
      WHERE h.tenant_id = top.tenant_id AND (SELECT count(*) FROM marked) > 0`,
    [ids, ...eventColumns(events)],
  );
}

/**
 * Moves the tenant's committed staged events into the log with the next ids, batch by batch in (batch, position)
 * order, and signals the tenant's streams. One transaction, sent in one write on PostgreSQL: the first statement
 * locks the head row (creating it at the tenant's first event); the second, which PostgreSQL starts only then and
 * under READ COMMITTED with a fresh snapshot, sees every row committed before it, none of them taken by a previous
 * move, and the last id that move wrote. Each move commits before the next can lock the head, so ids become visible
 * in order. Returns how many events moved.
 */
export async function moveStagedEvents(db: Db, tenantId: number): Promise<number> {
  let total = 0;
  for (;;) {
    const move = await db.transaction(async (tx) => {
      await queryLast(tx, 'INSERT INTO event_heads AS h (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO UPDATE SET last_id = h.last_id', [tenantId]);
      return queryLast<{ moved: number; batches: number }>(
        tx,
        `WITH head AS (
           SELECT last_id FROM event_heads WHERE tenant_id = $1
         ), chosen AS (
           SELECT DISTINCT batch FROM event_outbox WHERE tenant_id = $1 ORDER BY batch LIMIT $2
         ), taken AS (
           DELETE FROM event_outbox o USING chosen WHERE o.tenant_id = $1 AND o.batch = chosen.batch
           RETURNING o.tenant_id, o.batch, o.position, o.type, o.occurred_at, o.actor_type, o.actor_id, o.actor_name, o.data
         ), logged AS (
           INSERT INTO events (tenant_id, id, type, occurred_at, actor_type, actor_id, actor_name, data)
           SELECT tenant_id, head.last_id + row_number() OVER (ORDER BY batch, position), type, occurred_at, actor_type, actor_id, actor_name, data
             FROM taken, head
           RETURNING id
         )
         UPDATE event_heads h SET last_id = (SELECT max(id) FROM logged)
          WHERE h.tenant_id = $1 AND EXISTS (SELECT 1 FROM logged)
         RETURNING h.last_id - (SELECT last_id FROM head) AS moved, (SELECT count(*) FROM chosen) AS batches`,
        [tenantId, BATCHES_PER_MOVE],
      );
    });
    const row = (await move.result).rows[0];
    if (!row) return total;
    // Committed: the tenant's streams in every process wake up.
    db.signalAfterCommit?.(eventsChangeChannel(tenantId));
    total += Number(row.moved);
    if (Number(row.batches) < BATCHES_PER_MOVE) return total;
  }
}

interface TenantMoves {
  running: Promise<void> | null;
}

const movesByDatabase = new WeakMap<Db, Map<number, TenantMoves>>();

/**
 * Runs, in this process, a move of the tenant's staged events that begins after the caller's commit: a move
 * already running may have begun before it, so the caller waits for it and then joins the next, which whoever
 * comes first starts. One move per tenant runs at a time in a process; concurrent commits share it (docs/events.md#ids).
 */
export async function moveStagedEventsAfterCommit(db: Db, tenantId: number): Promise<void> {
  let tenants = movesByDatabase.get(db);
  if (!tenants) movesByDatabase.set(db, (tenants = new Map()));
  let moves = tenants.get(tenantId);
  if (!moves) tenants.set(tenantId, (moves = { running: null }));
  if (moves.running) {
    await moves.running;
    // A move running now began after the one awaited ended, so after this caller's commit.
    if (moves.running) return moves.running;
  }
  const state = moves;
  const run: Promise<void> = moveStagedEvents(db, tenantId)
    .then(() => undefined)
    // A failed move leaves the rows staged: the next move, or the sweep job, takes them (docs/events.md#ids).
    .catch(() => undefined)
    .finally(() => {
      if (state.running === run) state.running = null;
    });
  state.running = run;
  return run;
}

const backgroundMoves = new WeakMap<Db, Set<Promise<void>>>();

/**
 * Starts the move of `moveStagedEventsAfterCommit` without waiting for it: for background work (inbound
 * processing) whose next batch need not wait for the log, only the API's answers do. `settleBackgroundMoves` waits
 * for the ones running (shutdown, tests).
 */
export function moveStagedEventsInBackground(db: Db, tenantId: number): Promise<void> {
  let running = backgroundMoves.get(db);
  if (!running) backgroundMoves.set(db, (running = new Set()));
  const moves = running;
  const move = moveStagedEventsAfterCommit(db, tenantId).finally(() => moves.delete(move));
  moves.add(move);
  return Promise.resolve();
}

/** Waits until no background move of `db` runs (one that starts meanwhile is waited for too). */
export async function settleBackgroundMoves(db: Db): Promise<void> {
  for (let running = backgroundMoves.get(db); running && running.size > 0; running = backgroundMoves.get(db)) await Promise.all(running);
}

/** Tenants with staged events nobody moved (their process ended after the commit, or the move failed). */
export async function tenantsWithStagedEvents(db: Queryable, limit: number): Promise<number[]> {
  const result = await db.query<{ tenant_id: number }>('SELECT DISTINCT tenant_id FROM event_outbox ORDER BY tenant_id LIMIT $1', [limit]);
  return result.rows.map((row) => Number(row.tenant_id));
}
