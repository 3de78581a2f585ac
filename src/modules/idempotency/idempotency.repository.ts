import type { Queryable } from '../../platform/db/db.js';

/** docs/idempotency.md: a claim's lease and a key's lifetime. */
export const LEASE_SECONDS = 60;
export const KEY_LIFETIME_SECONDS = 24 * 3600;

export interface KeyScope {
  tenantId: number;
  /** `user:<id>`, or `application:<id>` for a client-credentials token. */
  subject: string;
  clientId: string;
  key: string;
}

export interface StoredKey {
  id: number;
  request_hash: string;
  status: number | null;
  content_type: string | null;
  body: string | null;
}

const plusSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

/**
 * Claims the key for one request, committed at once: a new row, or a row that expired or whose claim's lease passed
 * (a crashed process's) taken over. Returns the row id, or null when a live row holds the key.
 */
export async function claimKey(db: Queryable, scope: KeyScope, requestHash: string, claim: string, now: Date): Promise<number | null> {
  const result = await db.query<{ id: number }>(
    `INSERT INTO idempotency_keys (tenant_id, subject, client_id, idempotency_key, request_hash, claim, lease_until, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, subject, client_id, idempotency_key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until,
            status = NULL, content_type = NULL, body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
      WHERE idempotency_keys.expires_at <= $8 OR (idempotency_keys.claim IS NOT NULL AND idempotency_keys.lease_until <= $8)
     RETURNING id`,
    [
      scope.tenantId,
      scope.subject,
      scope.clientId,
      scope.key,
      requestHash,
      claim,
      plusSeconds(now, LEASE_SECONDS),
      now,
      plusSeconds(now, KEY_LIFETIME_SECONDS),
    ],
  );
  return result.rows[0]?.id ?? null;
}

/** The live row holding the key (null if it was released or expired meanwhile). */
export async function findLiveKey(db: Queryable, scope: KeyScope, now: Date): Promise<StoredKey | null> {
  const result = await db.query<StoredKey>(
    `SELECT id, request_hash, status, content_type, body FROM idempotency_keys
      WHERE tenant_id = $1 AND subject = $2 AND client_id = $3 AND idempotency_key = $4 AND expires_at > $5
        AND (claim IS NULL OR lease_until > $5)`,
    [scope.tenantId, scope.subject, scope.clientId, scope.key, now],
  );
  return result.rows[0] ?? null;
}

/** Stores the answer in the request's own transaction, only while the claim is still this request's; false otherwise. */
export async function completeKey(
  tx: Queryable,
  row: { tenantId: number; id: number; claim: string },
  answer: { status: number; contentType: string; sealedBody: string },
): Promise<boolean> {
  const result = await tx.query(
    `UPDATE idempotency_keys SET claim = NULL, lease_until = NULL, status = $4, content_type = $5, body = $6
      WHERE tenant_id = $1 AND id = $2 AND claim = $3`,
    [row.tenantId, row.id, row.claim, answer.status, answer.contentType, answer.sealedBody],
  );
  return result.rowCount === 1;
}

/** Frees the key of a request refused before execution or ended by a 5xx (only while it still holds the claim). */
export async function releaseKey(db: Queryable, row: { tenantId: number; id: number; claim: string }): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND id = $2 AND claim = $3`, [row.tenantId, row.id, row.claim]);
}

const BATCH = 5000;
const MAX_BATCHES = 20;

/** Deletes rows past their 24 hours in bounded batches; returns how many. */
export async function deleteExpiredKeys(db: Queryable, now: Date): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const result = await db.query(
      `DELETE FROM idempotency_keys WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)`,
      [now, BATCH],
    );
    deleted += result.rowCount;
    if (result.rowCount < BATCH) break;
  }
  return deleted;
}
