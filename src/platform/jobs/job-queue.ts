import type { Queryable } from '../db/db.js';

/**
 * The durable job queue (product.md §10): a job is a row committed in the same transaction as the change that
 * caused it; workers claim with FOR UPDATE SKIP LOCKED under a lease, so a worker that dies leaves its jobs to be
 * claimed again when the lease runs out. Jobs that share an ordering key run one at a time, in id order.
 */
export interface NewJob {
  tenantId: number | null;
  type: string;
  payload: Record<string, unknown>;
  orderingKey?: string | null;
  runAt: Date;
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: number;
  tenant_id: number | null;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export async function enqueueJob(tx: Queryable, job: NewJob): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO jobs (tenant_id, type, payload, ordering_key, run_at, max_attempts, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $5, $5) RETURNING id`,
    [job.tenantId, job.type, JSON.stringify(job.payload), job.orderingKey ?? null, job.runAt, job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS],
  );
  return result.rows[0]!.id;
}

/** Claims up to `limit` runnable jobs: pending and due, or running with an expired lease (their worker died). */
export async function claimJobs(db: Queryable, options: { workerId: string; limit: number; now: Date; leaseSeconds: number }): Promise<ClaimedJob[]> {
  const result = await db.query<ClaimedJob>(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1,
            locked_until = $2::timestamptz + make_interval(secs => $3), updated_at = $2
      WHERE id IN (
        SELECT j.id FROM jobs j
         WHERE ((j.status = 'pending' AND j.run_at <= $2) OR (j.status = 'running' AND j.locked_until < $2))
           AND (j.ordering_key IS NULL OR NOT EXISTS (
                 SELECT 1 FROM jobs earlier
                  WHERE earlier.ordering_key = j.ordering_key AND earlier.id < j.id AND earlier.status IN ('pending', 'running')))
         ORDER BY j.run_at, j.id
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
      RETURNING id, tenant_id, type, payload, attempts, max_attempts`,
    [options.workerId, options.now, options.leaseSeconds, options.limit],
  );
  return result.rows;
}

/** Done jobs are deleted: the queue table holds only work that is left, which keeps claims cheap. */
export async function completeJob(tx: Queryable, jobId: number, workerId: string): Promise<boolean> {
  const result = await tx.query('DELETE FROM jobs WHERE id = $1 AND locked_by = $2 AND status = $3', [jobId, workerId, 'running']);
  return result.rowCount > 0;
}

export async function retryJob(db: Queryable, jobId: number, workerId: string, runAt: Date, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'pending', run_at = $3, locked_until = NULL, locked_by = NULL, last_error = $4, updated_at = now()
      WHERE id = $1 AND locked_by = $2`,
    [jobId, workerId, runAt, error.slice(0, 2000)],
  );
}

export async function buryJob(db: Queryable, jobId: number, workerId: string, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'dead', locked_until = NULL, locked_by = NULL, last_error = $3, updated_at = now()
      WHERE id = $1 AND locked_by = $2`,
    [jobId, workerId, error.slice(0, 2000)],
  );
}

/** A stopping worker hands back what it has not finished, without spending an attempt. */
export async function releaseJob(db: Queryable, jobId: number, workerId: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'pending', attempts = GREATEST(attempts - 1, 0), locked_until = NULL, locked_by = NULL, updated_at = now()
      WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
    [jobId, workerId],
  );
}

/**
 * Delay before attempt n + 1: uniform in [0, min(300, 2·2^(n−1))] seconds ("full jitter", channels.md §9.5);
 * a provider's Retry-After replaces it, capped at 300 s.
 */
export function retryDelaySeconds(attempt: number, retryAfterSeconds: number | null = null, random: () => number = Math.random): number {
  if (retryAfterSeconds !== null) return Math.min(300, Math.max(0, retryAfterSeconds));
  const ceiling = Math.min(300, 2 * 2 ** (attempt - 1));
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}
