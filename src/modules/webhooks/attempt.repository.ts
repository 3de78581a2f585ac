import type { Queryable } from '../../platform/db/db.js';
import type { DeliveryStatus } from './delivery.repository.js';
import type { EndpointRow } from './endpoint.repository.js';

/** The SQL of webhook attempts (docs/webhooks.md#retries): the lease of a due delivery and the outcome's record. */

export interface ClaimedAttempt {
  tenant_id: number;
  id: number;
  endpoint_id: number;
  event_id: number;
  attempts: number;
}

export interface AttemptContext {
  endpoint: Pick<EndpointRow, 'tenant_id' | 'id' | 'url' | 'enabled' | 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at'>;
  /** The stored EventRow of the event (webhook_event_payloads.event); null if it is gone. */
  event: Record<string, unknown> | null;
}

/**
 * Leases one due pending delivery to `workerId` (a crashed attempt's lease runs out and another worker takes it; the
 * attempt was not counted). Endpoints in `busy` ("tenant:endpoint") are skipped: they have their share of attempts.
 */
export async function claimDueDelivery(
  db: Queryable,
  options: { workerId: string; now: Date; leaseSeconds: number; busy: string[] },
): Promise<ClaimedAttempt | null> {
  const result = await db.query<ClaimedAttempt>(
    `UPDATE webhook_deliveries d SET locked_by = $1, locked_until = $2::timestamptz + make_interval(secs => $3)
      FROM (SELECT tenant_id, id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
               AND NOT ((tenant_id::text || ':' || endpoint_id::text) = ANY($4::text[]))
             ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) due
      WHERE d.tenant_id = due.tenant_id AND d.id = due.id
      RETURNING d.tenant_id, d.id, d.endpoint_id, d.event_id, d.attempts`,
    [options.workerId, options.now, options.leaseSeconds, options.busy],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    tenant_id: Number(row.tenant_id),
    id: Number(row.id),
    endpoint_id: Number(row.endpoint_id),
    event_id: Number(row.event_id),
    attempts: Number(row.attempts),
  };
}

export async function loadAttemptContext(db: Queryable, claimed: ClaimedAttempt): Promise<AttemptContext | null> {
  const result = await db.query<AttemptContext['endpoint'] & { deleted_at: Date | null; event: Record<string, unknown> | null }>(
    `SELECT e.tenant_id, e.id, e.url, e.enabled, e.deleted_at, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at, p.event
       FROM webhook_endpoints e
       LEFT JOIN webhook_event_payloads p ON p.tenant_id = e.tenant_id AND p.event_id = $3
      WHERE e.tenant_id = $1 AND e.id = $2`,
    [claimed.tenant_id, claimed.endpoint_id, claimed.event_id],
  );
  const row = result.rows[0];
  if (!row || row.deleted_at !== null) return null;
  const { event, ...endpoint } = row;
  return { endpoint: { ...endpoint, tenant_id: Number(endpoint.tenant_id), id: Number(endpoint.id) }, event };
}

export interface AttemptRecord {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  attemptedAt: Date;
  responseStatus: number | null;
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
}

/** Records an attempt, only while this worker still holds the delivery and it is still pending; returns whether it did. */
export async function recordAttempt(tx: Queryable, claimed: ClaimedAttempt, workerId: string, record: AttemptRecord, now: Date): Promise<boolean> {
  const result = await tx.query(
    `UPDATE webhook_deliveries
        SET status = $4, attempts = attempts + 1, next_attempt_at = $5, locked_by = NULL, locked_until = NULL, last_attempt_at = $6,
            response_status = $7, response_body = $8, latency_ms = $9, error = $10, updated_at = $11
      WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND status = 'pending'`,
    [
      claimed.tenant_id,
      claimed.id,
      workerId,
      record.status,
      record.nextAttemptAt,
      record.attemptedAt,
      record.responseStatus,
      record.responseBody,
      record.latencyMs,
      record.error,
      now,
    ],
  );
  return result.rowCount > 0;
}

/** Locks the delivery for the outcome's transaction; false when this worker no longer holds it or it left `pending`. */
export async function stillHeld(tx: Queryable, claimed: ClaimedAttempt, workerId: string): Promise<boolean> {
  const result = await tx.query('SELECT 1 FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND status = $4 FOR UPDATE', [
    claimed.tenant_id,
    claimed.id,
    workerId,
    'pending',
  ]);
  return result.rows.length > 0;
}

/** A success clears the endpoint's failing state. */
export async function markEndpointHealthy(tx: Queryable, tenantId: number, endpointId: number): Promise<void> {
  await tx.query('UPDATE webhook_endpoints SET failing_since = NULL WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL', [tenantId, endpointId]);
}

/** A failure starts the failing period (unless one runs); returns its start. */
export async function markEndpointFailing(tx: Queryable, tenantId: number, endpointId: number, at: Date): Promise<Date> {
  const result = await tx.query<{ failing_since: Date }>(
    `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $3) WHERE tenant_id = $1 AND id = $2 RETURNING failing_since`,
    [tenantId, endpointId, at],
  );
  return result.rows[0]?.failing_since ?? at;
}

/** A stopping worker hands an unfinished attempt back at once, uncounted. */
export async function releaseDelivery(db: Queryable, claimed: ClaimedAttempt, workerId: string): Promise<void> {
  await db.query(`UPDATE webhook_deliveries SET locked_by = NULL, locked_until = NULL WHERE tenant_id = $1 AND id = $2 AND locked_by = $3`, [
    claimed.tenant_id,
    claimed.id,
    workerId,
  ]);
}
