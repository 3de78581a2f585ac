import type { Queryable } from '../../platform/db/db.js';
import type { EventRow } from '../events/event-log.repository.js';

/** The dispatcher's SQL (docs/webhooks.md#dispatch): the tenant cursor it works on and the deliveries it makes. */

export interface DispatchCursor {
  tenantId: number;
  dispatchedThrough: number;
  head: number;
  prunedThrough: number;
}

/**
 * Locks one tenant whose log is ahead of its cursor; SKIP LOCKED lets each dispatcher of every process take another
 * tenant, and the lock (held to commit) is what makes an (event, endpoint) pair dispatched once.
 */
export async function lockDueCursor(tx: Queryable): Promise<DispatchCursor | null> {
  const result = await tx.query<{ tenant_id: number; dispatched_through: number; last_id: number; pruned_through: number }>(
    `SELECT c.tenant_id, c.dispatched_through, h.last_id, h.pruned_through
       FROM webhook_dispatch_cursors c JOIN event_heads h ON h.tenant_id = c.tenant_id
      WHERE h.last_id > c.dispatched_through
      ORDER BY c.updated_at LIMIT 1
      FOR UPDATE OF c SKIP LOCKED`,
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    tenantId: Number(row.tenant_id),
    dispatchedThrough: Number(row.dispatched_through),
    head: Number(row.last_id),
    prunedThrough: Number(row.pruned_through),
  };
}

export async function advanceCursor(tx: Queryable, tenantId: number, through: number, now: Date): Promise<void> {
  await tx.query('UPDATE webhook_dispatch_cursors SET dispatched_through = $2, updated_at = $3 WHERE tenant_id = $1', [tenantId, through, now]);
}

export interface DispatchTarget {
  id: number;
  eventTypes: string[];
  receivesAfter: number;
}

/** Every tenant with at least one enabled, live endpoint: the tenants a dispatcher listens to. */
export async function tenantsWithEnabledEndpoints(db: Queryable): Promise<number[]> {
  const result = await db.query<{ tenant_id: number }>('SELECT DISTINCT tenant_id FROM webhook_endpoints WHERE enabled AND deleted_at IS NULL');
  return result.rows.map((row) => Number(row.tenant_id));
}

export async function enabledEndpoints(tx: Queryable, tenantId: number): Promise<DispatchTarget[]> {
  const result = await tx.query<{ id: number; event_types: string[]; receives_after_event_id: number }>(
    'SELECT id, event_types, receives_after_event_id FROM webhook_endpoints WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL',
    [tenantId],
  );
  return result.rows.map((row) => ({ id: Number(row.id), eventTypes: row.event_types, receivesAfter: Number(row.receives_after_event_id) }));
}

/** Keeps the events' payloads and creates one pending delivery, due now, per (event, endpoint) pair. */
export async function insertDeliveries(tx: Queryable, tenantId: number, pairs: Array<{ event: EventRow; endpointId: number }>, now: Date): Promise<void> {
  if (pairs.length === 0) return;
  const events = [...new Map(pairs.map(({ event }) => [event.id, event])).values()];
  await tx.query(
    `INSERT INTO webhook_event_payloads (tenant_id, event_id, type, event, created_at)
     SELECT $1, e.id, e.type, e.event, $2 FROM jsonb_to_recordset($3::jsonb) AS e(id bigint, type text, event jsonb)
     ON CONFLICT (tenant_id, event_id) DO NOTHING`,
    [tenantId, now, JSON.stringify(events.map((event) => ({ id: event.id, type: event.type, event })))],
  );
  await tx.query(
    `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
     SELECT $1, p.endpoint_id, p.event_id, p.event_type, 'pending', $2, $2, $2
       FROM jsonb_to_recordset($3::jsonb) AS p(endpoint_id bigint, event_id bigint, event_type text)
     ON CONFLICT (tenant_id, endpoint_id, event_id) WHERE redelivery_of IS NULL DO NOTHING`,
    [tenantId, now, JSON.stringify(pairs.map(({ event, endpointId }) => ({ endpoint_id: endpointId, event_id: event.id, event_type: event.type })))],
  );
}
