import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';

/** Webhook deliveries (docs/webhooks.md#deliveries): writes, the attempt lease, loads by key. */

export const DELIVERY_NOT_FOUND = 'Webhook delivery not found.';
export const ENDPOINT_DISABLED_ERROR = 'Endpoint disabled.';
export const ENDPOINT_DELETED_ERROR = 'Endpoint deleted.';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];

export interface DeliveryRow {
  tenant_id: number;
  id: number;
  endpoint_id: number;
  event_id: number;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  response_status: number | null;
  response_body: string | null;
  latency_ms: number | null;
  error: string | null;
  redelivery_of: number | null;
  created_at: Date;
  updated_at: Date;
}

export const DELIVERY_COLUMNS = `tenant_id, id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at, response_status,
  response_body, latency_ms, error, redelivery_of, created_at, updated_at`;

export function toDeliveryRow(row: DeliveryRow): DeliveryRow {
  const id = (value: unknown) => (value === null ? null : Number(value));
  return {
    ...row,
    tenant_id: Number(row.tenant_id),
    id: Number(row.id),
    endpoint_id: Number(row.endpoint_id),
    event_id: Number(row.event_id),
    redelivery_of: id(row.redelivery_of),
  };
}

/** The endpoint's pending deliveries end as `cancelled` with `error` (disabled or deleted endpoint). */
export async function cancelPendingDeliveries(tx: Queryable, tenantId: number, endpointId: number, error: string, now: Date): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL, error = $3, updated_at = $4
      WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'`,
    [tenantId, endpointId, error, now],
  );
}

export async function findDelivery(db: Queryable, tenantId: number, endpointId: number, id: number | null): Promise<DeliveryRow | null> {
  if (id === null) return null;
  const result = await db.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3`, [
    tenantId,
    endpointId,
    id,
  ]);
  return result.rows[0] ? toDeliveryRow(result.rows[0]) : null;
}

export async function requireDelivery(db: Queryable, tenantId: number, endpointId: number, id: number | null): Promise<DeliveryRow> {
  const delivery = await findDelivery(db, tenantId, endpointId, id);
  if (!delivery) throw notFound(DELIVERY_NOT_FOUND);
  return delivery;
}

/** A new pending delivery repeating `original`'s event, due now; null when one of that event is already pending. */
export async function insertRedelivery(tx: Queryable, original: DeliveryRow, now: Date): Promise<number | null> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, status, next_attempt_at, redelivery_of, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $5, $5)
     ON CONFLICT (tenant_id, endpoint_id, event_id) WHERE status = 'pending' DO NOTHING
     RETURNING id`,
    [original.tenant_id, original.endpoint_id, original.event_id, original.event_type, now, original.id],
  );
  return result.rows[0] ? Number(result.rows[0].id) : null;
}

export async function listDeliveries(
  db: Queryable,
  tenantId: number,
  endpointId: number,
  filter: { status: string | null; eventType: string | null; eventId: number | null; limit: number; offset: number },
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const where = ['tenant_id = $1', 'endpoint_id = $2'];
  const params: unknown[] = [tenantId, endpointId];
  const add = (value: unknown) => `$${params.push(value)}`;
  if (filter.status !== null) where.push(`status = ${add(filter.status)}`);
  if (filter.eventType !== null) where.push(`event_type = ${add(filter.eventType)}`);
  if (filter.eventId !== null) where.push(`event_id = ${add(filter.eventId)}`);
  const whereSql = where.join(' AND ');
  const countParams = [...params];
  const [rows, total] = await Promise.all([
    db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${whereSql} ORDER BY id DESC LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`,
      params,
    ),
    db.query<{ total: number }>(`SELECT count(*)::bigint AS total FROM webhook_deliveries WHERE ${whereSql}`, countParams),
  ]);
  return { rows: rows.rows.map(toDeliveryRow), total: Number(total.rows[0]?.total ?? 0) };
}

/** Deliveries older than the retention, then the payloads no delivery needs any more. */
export async function pruneDeliveries(db: Queryable, before: Date): Promise<number> {
  const deleted = await db.query('DELETE FROM webhook_deliveries WHERE created_at < $1', [before]);
  await db.query(
    `DELETE FROM webhook_event_payloads p WHERE created_at < $1
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = p.tenant_id AND d.event_id = p.event_id)`,
    [before],
  );
  return deleted.rowCount;
}
