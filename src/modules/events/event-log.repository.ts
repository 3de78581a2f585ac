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
