import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
import { DISPATCH_CHANGE_CHANNEL } from './dispatch-targets.js';

/** Writes and loads by key of webhook endpoints (docs/webhooks.md#endpoints). */

export const ENDPOINT_NOT_FOUND = 'Webhook endpoint not found.';
export const MAX_LIVE_ENDPOINTS = 20;

export type DisabledReason = 'manual' | 'failing' | 'gone';

export interface EndpointRow {
  tenant_id: number;
  id: number;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  receives_after_event_id: number;
  created_at: Date;
  updated_at: Date;
}

export const ENDPOINT_COLUMNS = `tenant_id, id, url, description, event_types, enabled, disabled_reason, disabled_at, failing_since, secret_sealed,
  previous_secret_sealed, previous_secret_expires_at, receives_after_event_id, created_at, updated_at`;

export function toEndpointRow(row: EndpointRow): EndpointRow {
  return { ...row, tenant_id: Number(row.tenant_id), id: Number(row.id), receives_after_event_id: Number(row.receives_after_event_id) };
}

/**
 * Serialises the tenant's endpoint writes with its dispatcher (the dispatch cursor's row lock, created here on
 * first use), signals the change to the dispatchers, and returns the event log's head: an endpoint enabled now receives the events above it.
 */
export async function lockTenantWebhooks(tx: Queryable, tenantId: number, now: Date): Promise<number> {
  await tx.query(
    `INSERT INTO webhook_dispatch_cursors (tenant_id, dispatched_through, updated_at)
     SELECT $1, coalesce((SELECT last_id FROM event_heads WHERE tenant_id = $1), 0), $2
     ON CONFLICT (tenant_id) DO NOTHING`,
    [tenantId, now],
  );
  await tx.query('SELECT 1 FROM webhook_dispatch_cursors WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
  // Every endpoint write passes here: dispatchers re-read which tenants' events they listen to.
  tx.signalAfterCommit?.(DISPATCH_CHANGE_CHANNEL);
  const head = await tx.query<{ last_id: number }>('SELECT last_id FROM event_heads WHERE tenant_id = $1', [tenantId]);
  return Number(head.rows[0]?.last_id ?? 0);
}

export async function countLiveEndpoints(tx: Queryable, tenantId: number): Promise<number> {
  const result = await tx.query<{ total: number }>('SELECT count(*)::int AS total FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL', [
    tenantId,
  ]);
  return Number(result.rows[0]?.total ?? 0);
}

export async function nextEndpointId(tx: Queryable): Promise<number> {
  const result = await tx.query<{ id: number }>(`SELECT nextval('webhook_endpoints_id_seq') AS id`);
  return Number(result.rows[0]!.id);
}

export async function insertEndpoint(
  tx: Queryable,
  row: { tenantId: number; id: number; url: string; description: string | null; eventTypes: string[]; enabled: boolean; secretSealed: string; head: number },
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO webhook_endpoints (tenant_id, id, url, description, event_types, enabled, disabled_reason, disabled_at, secret_sealed,
                                    receives_after_event_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, CASE WHEN $6 THEN NULL ELSE 'manual' END, CASE WHEN $6 THEN NULL ELSE $8::timestamptz END, $7, $9, $8, $8)`,
    [row.tenantId, row.id, row.url, row.description, JSON.stringify(row.eventTypes), row.enabled, row.secretSealed, now, row.head],
  );
}

export async function findEndpoint(db: Queryable, tenantId: number, id: number | null, options: { forUpdate?: boolean } = {}): Promise<EndpointRow | null> {
  if (id === null) return null;
  const result = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return result.rows[0] ? toEndpointRow(result.rows[0]) : null;
}

export async function requireEndpoint(db: Queryable, tenantId: number, id: number | null): Promise<EndpointRow> {
  const endpoint = await findEndpoint(db, tenantId, id);
  if (!endpoint) throw notFound(ENDPOINT_NOT_FOUND);
  return endpoint;
}

/** Absent (undefined) fields keep their values. */
export async function updateEndpointFields(
  tx: Queryable,
  tenantId: number,
  id: number,
  changes: { url?: string; description?: string | null; eventTypes?: string[] },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE webhook_endpoints
        SET url = coalesce($3, url),
            description = CASE WHEN $4 THEN $5 ELSE description END,
            event_types = coalesce($6::jsonb, event_types),
            updated_at = $7
      WHERE tenant_id = $1 AND id = $2`,
    [
      tenantId,
      id,
      changes.url ?? null,
      changes.description !== undefined,
      changes.description ?? null,
      changes.eventTypes ? JSON.stringify(changes.eventTypes) : null,
      now,
    ],
  );
}

/** Disables an endpoint with a reason; returns false when it was already disabled (or is gone). */
export async function disableEndpoint(tx: Queryable, tenantId: number, id: number, reason: DisabledReason, now: Date): Promise<boolean> {
  const result = await tx.query(
    `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $3, disabled_at = $4, updated_at = $4
      WHERE tenant_id = $1 AND id = $2 AND enabled AND deleted_at IS NULL`,
    [tenantId, id, reason, now],
  );
  return result.rowCount > 0;
}

/** Re-enables: the endpoint is healthy again and receives only events above the log's head of now. */
export async function enableEndpoint(tx: Queryable, tenantId: number, id: number, head: number, now: Date): Promise<void> {
  await tx.query(
    `UPDATE webhook_endpoints
        SET enabled = true, disabled_reason = NULL, disabled_at = NULL, failing_since = NULL, receives_after_event_id = $3, updated_at = $4
      WHERE tenant_id = $1 AND id = $2 AND NOT enabled`,
    [tenantId, id, head, now],
  );
}

export async function softDeleteEndpoint(tx: Queryable, tenantId: number, id: number, now: Date): Promise<void> {
  await tx.query('UPDATE webhook_endpoints SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, id, now]);
}

/** A rotation: the new secret signs from now; the one it replaces also signs until `previousExpiresAt` (null: dropped). */
export async function rotateEndpointSecret(
  tx: Queryable,
  tenantId: number,
  id: number,
  secrets: { currentSealed: string; previousSealed: string | null; previousExpiresAt: Date | null },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE webhook_endpoints SET secret_sealed = $3, previous_secret_sealed = $4, previous_secret_expires_at = $5, updated_at = $6
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, secrets.currentSealed, secrets.previousSealed, secrets.previousExpiresAt, now],
  );
}

export async function listEndpoints(db: Queryable, tenantId: number, page: { limit: number; offset: number }): Promise<{ rows: EndpointRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2 OFFSET $3`, [
      tenantId,
      page.limit,
      page.offset,
    ]),
    countLiveEndpoints(db, tenantId),
  ]);
  return { rows: rows.rows.map(toEndpointRow), total };
}
