import type { Queryable } from '../../platform/db/db.js';
import type { InboundProvider } from './inbound-event.js';

/**
 * The stored provider events as a queue (docs/channels.md#processing-inbound-events): pending = `processed_at` null;
 * claimed by row lock inside the processing transaction, so a crash or a rollback simply leaves them pending.
 */
export interface PendingInboundEvent {
  id: number;
  tenant_id: number;
  channel_id: number;
  provider: InboundProvider;
  payload: unknown;
  received_at: Date;
  attempts: number;
}

/** Attempts before an event that keeps failing is settled as `failed` (as a job is parked as dead). */
export const INBOUND_MAX_ATTEMPTS = 8;

/**
 * Locks up to `limit` due pending events, oldest first, for the caller's transaction, and returns those it may
 * process now, in id order. One customer's events stay in receipt order across processors:
 * - an event whose key has an earlier event waiting for a retry is not a candidate (it would overtake it), so such
 *   events never fill a batch and starve the others;
 * - of the locked candidates, one whose key has an earlier pending event outside this batch (locked by another
 *   processor) is left, still locked, for a later batch: that processor commits or rolls back first.
 * A key's events get ids in commit order (the webhook's advisory lock), so no earlier event can still appear.
 */
export async function claimPendingEvents(tx: Queryable, now: Date, limit: number): Promise<PendingInboundEvent[]> {
  const result = await tx.query<PendingInboundEvent & { ordering_key: string | null }>(
    `WITH candidates AS (
       SELECT e.tenant_id, e.id, e.ordering_key FROM inbound_events e
        WHERE e.processed_at IS NULL AND (e.run_at IS NULL OR e.run_at <= $1)
          AND (e.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM inbound_events earlier
                 WHERE earlier.tenant_id = e.tenant_id AND earlier.ordering_key = e.ordering_key AND earlier.processed_at IS NULL
                   AND earlier.id < e.id AND earlier.run_at > $1))
        ORDER BY e.id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     SELECT e.id, e.tenant_id, e.channel_id, e.provider, e.payload, e.received_at, e.attempts
       FROM candidates c JOIN inbound_events e ON e.tenant_id = c.tenant_id AND e.id = c.id
      WHERE c.ordering_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM inbound_events earlier
               WHERE earlier.tenant_id = c.tenant_id AND earlier.ordering_key = c.ordering_key AND earlier.processed_at IS NULL
                 AND earlier.id < c.id AND NOT EXISTS (SELECT 1 FROM candidates mine WHERE mine.id = earlier.id))
      ORDER BY e.id`,
    [now, limit],
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id), tenant_id: Number(row.tenant_id), channel_id: Number(row.channel_id) }));
}

/** Sets the events processed with their outcomes, in one statement. */
export async function settleEvents(tx: Queryable, settled: Array<{ event: PendingInboundEvent; outcome: string }>, now: Date): Promise<void> {
  if (settled.length === 0) return;
  await tx.query(
    `UPDATE inbound_events e SET processed_at = $4, outcome = s.outcome, run_at = NULL
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS s(tenant_id, id, outcome)
      WHERE e.tenant_id = s.tenant_id AND e.id = s.id`,
    [settled.map((s) => s.event.tenant_id), settled.map((s) => s.event.id), settled.map((s) => s.outcome), now],
  );
}

/**
 * A failed attempt: the event is tried again at `retryAt`, its customer's later events waiting behind it; after
 * INBOUND_MAX_ATTEMPTS it is settled as `failed` with the error kept (for operators), and they go on.
 */
export async function recordFailedAttempt(db: Queryable, event: PendingInboundEvent, error: string, retryAt: Date, now: Date): Promise<void> {
  await db.query(
    `UPDATE inbound_events SET attempts = attempts + 1, last_error = $3,
            run_at = CASE WHEN attempts + 1 >= $6 THEN NULL ELSE $4::timestamptz END,
            processed_at = CASE WHEN attempts + 1 >= $6 THEN $5::timestamptz END,
            outcome = CASE WHEN attempts + 1 >= $6 THEN 'failed' END
      WHERE tenant_id = $1 AND id = $2 AND processed_at IS NULL`,
    [event.tenant_id, event.id, error.slice(0, 2000), retryAt, now, INBOUND_MAX_ATTEMPTS],
  );
}
