import type { Db, Queryable } from '../../platform/db/db.js';
import type { EventActor } from './event-types.js';

/** A stored event, as read from the log. */
export interface EventRow {
  tenant_id: number;
  id: number;
  type: string;
  occurred_at: Date;
  actor_type: EventActor['type'];
  actor_id: number | null;
  actor_name: string | null;
  data: Record<string, unknown>;
}

export interface EventHead {
  /** The last id ever assigned to the tenant (0 before its first event). */
  lastId: number;
  /** The highest id the retention job deleted (0: never pruned). */
  prunedThrough: number;
  /** The oldest id still kept; null when none is. */
  oldestId: number | null;
}

/** An event ready to append: its id is assigned by appendEvents. */
export interface NewEvent {
  tenantId: number;
  type: string;
  occurredAt: Date;
  actor: EventActor;
  data: Record<string, unknown>;
}

export async function readEventHead(db: Queryable, tenantId: number): Promise<EventHead> {
  const result = await db.query<{ last_id: number | null; pruned_through: number | null; oldest_id: number | null }>(
    `SELECT h.last_id, h.pruned_through, (SELECT min(e.id) FROM events e WHERE e.tenant_id = $1) AS oldest_id
       FROM (SELECT 1) one LEFT JOIN event_heads h ON h.tenant_id = $1`,
    [tenantId],
  );
  const row = result.rows[0];
  return {
    lastId: Number(row?.last_id ?? 0),
    prunedThrough: Number(row?.pruned_through ?? 0),
    oldestId: row?.oldest_id == null ? null : Number(row.oldest_id),
  };
}

/** Up to `limit` events with ids above `afterId`, in id order. */
export async function readEventsAfter(db: Queryable, tenantId: number, afterId: number, limit: number): Promise<EventRow[]> {
  const result = await db.query<EventRow>(
    `SELECT tenant_id, id, type, occurred_at, actor_type, actor_id, actor_name, data
       FROM events WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [tenantId, afterId, limit],
  );
  return result.rows.map((row) => ({
    ...row,
    tenant_id: Number(row.tenant_id),
    id: Number(row.id),
    actor_id: row.actor_id === null ? null : Number(row.actor_id),
  }));
}

/**
 * Appends `events` (in the order given, per tenant) with consecutive ids, in ONE statement that takes each tenant's
 * head row (in tenant order, so two multi-tenant batches cannot deadlock). Meant as the last statement of its
 * transaction: the head lock is then held only through the commit, and a reader never sees id N+1 before id N.
 */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const positions = new Map<number, number>();
  const position = events.map((event) => {
    const next = (positions.get(event.tenantId) ?? 0) + 1;
    positions.set(event.tenantId, next);
    return next;
  });
  await tx.query(
    `WITH batch AS (
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::text[])
         AS b(tenant_id, position, type, occurred_at, actor_type, actor_id, actor_name, data)
     ), counts AS (
       SELECT tenant_id, count(*)::bigint AS k FROM batch GROUP BY tenant_id
     ), head AS (
       INSERT INTO event_heads AS h (tenant_id, last_id)
       SELECT tenant_id, k FROM counts ORDER BY tenant_id
       ON CONFLICT (tenant_id) DO UPDATE SET last_id = h.last_id + EXCLUDED.last_id
       RETURNING h.tenant_id, h.last_id
     )
     INSERT INTO events (tenant_id, id, type, occurred_at, actor_type, actor_id, actor_name, data)
     SELECT b.tenant_id, head.last_id - counts.k + b.position, b.type, b.occurred_at, b.actor_type, b.actor_id, b.actor_name, b.data::jsonb
       FROM batch b JOIN counts ON counts.tenant_id = b.tenant_id JOIN head ON head.tenant_id = b.tenant_id`,
    [
      events.map((event) => event.tenantId),
      position,
      events.map((event) => event.type),
      events.map((event) => event.occurredAt.toISOString()),
      events.map((event) => event.actor.type),
      events.map((event) => event.actor.id),
      events.map((event) => event.actor.name),
      events.map((event) => JSON.stringify(event.data)),
    ],
  );
}

/**
 * Deletes, per tenant, every event up to the newest one written before `before` (whole prefixes, so "everything at
 * or below pruned_through is gone" holds even where timestamps do not grow with ids) and records pruned_through, one
 * transaction per tenant. Returns how many events it deleted.
 */
export async function pruneEvents(db: Db, before: Date): Promise<number> {
  const cut = await db.query<{ tenant_id: number; through: number }>(
    'SELECT tenant_id, max(id) AS through FROM events WHERE occurred_at < $1 GROUP BY tenant_id ORDER BY tenant_id',
    [before],
  );
  let deleted = 0;
  for (const row of cut.rows) {
    const tenantId = Number(row.tenant_id);
    const through = Number(row.through);
    deleted += await db.transaction(async (tx) => {
      const result = await tx.query('DELETE FROM events WHERE tenant_id = $1 AND id <= $2', [tenantId, through]);
      await tx.query('UPDATE event_heads SET pruned_through = greatest(pruned_through, $2) WHERE tenant_id = $1', [tenantId, through]);
      return result.rowCount;
    });
  }
  return deleted;
}
