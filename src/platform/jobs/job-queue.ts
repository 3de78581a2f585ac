import type { Queryable } from '../db/db.js';
import type { JobDefinition, JobPayload } from './define-job.js';

/**
 * The durable job queue (docs/jobs-and-delivery.md#the-job-queue): a job is a row committed in the same transaction as the change that
 * caused it; workers claim with FOR UPDATE SKIP LOCKED under a lease, so a worker that dies leaves its jobs to be
 * claimed again when the lease runs out. Jobs that share an ordering key run one at a time, in id order: a job
 * queued behind an open job of its key is stored as `waiting` and becomes `pending` when the one ahead finishes.
 * Enqueuers of one key must serialise among themselves (sends hold the conversation's row lock).
 */
export interface ClaimedJob {
  id: number;
  tenant_id: number | null;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Short, so that a crashed worker's jobs run again within seconds; a running job's worker renews it. */
export const DEFAULT_LEASE_SECONDS = 15;

/** How often a worker renews the leases of the jobs it runs: three chances before one expires. */
export function leaseRenewalMs(leaseSeconds: number): number {
  return Math.floor((leaseSeconds * 1000) / 3);
}

/** The change channel (Db.watchChanges) on which every committed enqueue wakes the workers of every process. */
export const JOBS_CHANGE_CHANNEL = 'jobs';

/** SQL for the status of a new job whose ordering key is the given expression. */
function initialJobStatus(orderingKey: string): string {
  return `CASE WHEN ${orderingKey}::text IS NOT NULL AND EXISTS (
            SELECT 1 FROM jobs open WHERE open.ordering_key = ${orderingKey}::text AND open.status IN ('pending', 'running', 'waiting'))
          THEN 'waiting' ELSE 'pending' END`;
}

interface JobColumns {
  tenantId: string;
  type: string;
  payload: string;
  orderingKey: string;
  runAt: string;
  maxAttempts: string;
}

/**
 * The one INSERT of a job, every column given as an SQL expression; `tail` adds a FROM (one job per row) or a WHERE.
 * Whoever runs it signals JOBS_CHANGE_CHANNEL after commit (below), which wakes the workers of every process.
 */
function insertJobSql(columns: JobColumns, tail = ''): string {
  const { tenantId, type, payload, orderingKey, runAt, maxAttempts } = columns;
  return `INSERT INTO jobs (tenant_id, type, payload, ordering_key, run_at, max_attempts, created_at, updated_at, status)
     SELECT ${tenantId}::bigint, ${type}::text, ${payload}::jsonb, ${orderingKey}::text, ${runAt}::timestamptz, ${maxAttempts}::int,
            ${runAt}::timestamptz, ${runAt}::timestamptz, ${initialJobStatus(orderingKey)}${tail}
     RETURNING id`;
}

export interface EnqueueOptions {
  tenantId: number | null;
  /** Jobs of one key run one at a time, in enqueue order. */
  orderingKey?: string | null;
  runAt: Date;
}

/** Enqueues `job` in the caller's transaction; the payload's type is the job's (checked at compile time). */
export async function enqueue<Payload extends JobPayload>(
  tx: Queryable,
  job: JobDefinition<Payload>,
  payload: Payload,
  options: EnqueueOptions,
): Promise<number> {
  const result = await tx.query<{ id: number }>(
    insertJobSql({ tenantId: '$1', type: '$2', payload: '$3', orderingKey: '$4', runAt: '$5', maxAttempts: '$6' }),
    [options.tenantId, job.type, JSON.stringify(payload), options.orderingKey ?? null, options.runAt, job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS],
  );
  tx.signalAfterCommit?.(JOBS_CHANGE_CHANNEL);
  return result.rows[0]!.id;
}

/** SQL expressions, one per payload field, for a job enqueued inside a larger statement. */
export type PayloadSql<Payload> = { [Field in keyof Payload]-?: string };

/**
 * The same enqueue as a fragment of a larger statement (a CTE), one job per row of `from`, for hot paths that must
 * stay one round trip; the payload's fields are SQL expressions, and every field of the job's payload must be given.
 * The statement must run in `tx`, a transaction: the wake-up is registered on it now and sent only if it commits.
 */
export function enqueueSql<Payload extends JobPayload>(
  tx: Queryable,
  job: JobDefinition<Payload>,
  values: { tenantId: string; payload: PayloadSql<Payload>; orderingKey: string; runAt: string; from: string },
): string {
  const fields = Object.entries(values.payload as Record<string, string>).map(([field, sql]) => `'${field}', ${sql}`);
  tx.signalAfterCommit?.(JOBS_CHANGE_CHANNEL);
  return insertJobSql(
    {
      tenantId: values.tenantId,
      type: `'${job.type}'`,
      payload: `jsonb_build_object(${fields.join(', ')})`,
      orderingKey: values.orderingKey,
      runAt: values.runAt,
      maxAttempts: String(job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    },
    ` FROM ${values.from}`,
  );
}

/**
 * A recurring job (product maintenance such as the OAuth cleanup): enqueued with its type as ordering key, and only
 * when no job of that key is open, so runs do not pile up; should two workers race past the check, the ordering key
 * still runs their jobs one after the other. Returns whether a job was enqueued.
 */
export async function enqueueRecurringJob(db: Queryable, type: string, now: Date): Promise<boolean> {
  const result = await db.query(
    insertJobSql(
      { tenantId: 'NULL', type: '$1', payload: `'{}'`, orderingKey: '$2', runAt: '$3', maxAttempts: '1' },
      ` WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE ordering_key = $2::text AND status IN ('pending', 'running', 'waiting'))`,
    ),
    [type, `recurring:${type}`, now],
  );
  if (result.rowCount === 0) return false;
  db.signalAfterCommit?.(JOBS_CHANGE_CHANNEL);
  return true;
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

/** The heartbeat of a worker: extends the leases of the jobs it is running (and still holds). */
export async function renewLeases(db: Queryable, workerId: string, jobIds: number[], now: Date, leaseSeconds: number): Promise<number> {
  if (jobIds.length === 0) return 0;
  const result = await db.query(
    `UPDATE jobs SET locked_until = $3::timestamptz + make_interval(secs => $4)
      WHERE id = ANY($2::bigint[]) AND locked_by = $1 AND status = 'running'`,
    [workerId, jobIds, now, leaseSeconds],
  );
  return result.rowCount;
}

/**
 * On the embedded database one process owns the data directory, so at its start every `running` job belongs to a
 * process that is gone: make them runnable at once instead of waiting for their leases (the interrupted attempt
 * still counts, as it does when a lease runs out).
 */
export async function releaseAbandonedJobs(db: Queryable): Promise<number> {
  const result = await db.query(`UPDATE jobs SET status = 'pending', locked_until = NULL, locked_by = NULL, updated_at = now() WHERE status = 'running'`);
  return result.rowCount;
}

/** Makes the oldest waiting job of the finished job's key runnable (`finished`: a CTE returning ordering_key). */
const PROMOTE_NEXT = `promoted AS (
   UPDATE jobs SET status = 'pending', updated_at = now()
    WHERE id = (SELECT w.id FROM jobs w, finished
                 WHERE w.ordering_key = finished.ordering_key AND w.status = 'waiting' ORDER BY w.id LIMIT 1))`;

/**
 * Done jobs are deleted (the queue table holds only work that is left, which keeps claims cheap) and the next job
 * of their key is promoted, in one statement. `statement`, when given, runs in the same statement: it sees the
 * deletion as the CTE `finished` (one row when this worker still held the job), so its effect can be made
 * conditional on it, and its own parameters come first ($1…$n).
 */
export async function completeJob(tx: Queryable, jobId: number, workerId: string, statement?: { text: string; params: unknown[] }): Promise<boolean> {
  const params = statement?.params ?? [];
  const id = `$${params.length + 1}`;
  const worker = `$${params.length + 2}`;
  const result = await tx.query<{ finished: number }>(
    `WITH finished AS (DELETE FROM jobs WHERE id = ${id} AND locked_by = ${worker} AND status = 'running' RETURNING ordering_key),
          ${PROMOTE_NEXT}${statement ? `, effect AS (${statement.text})` : ''}
     SELECT count(*)::int AS finished FROM finished`,
    [...params, jobId, workerId],
  );
  return result.rows[0]!.finished > 0;
}

/** completeJob with a statement that returns rows: also how many rows it changed. */
export async function completeJobWithEffect(
  tx: Queryable,
  jobId: number,
  workerId: string,
  statement: { text: string; params: unknown[] },
): Promise<{ finished: boolean; effected: number }> {
  const params = statement.params;
  const result = await tx.query<{ finished: number; effected: number }>(
    `WITH finished AS (DELETE FROM jobs WHERE id = $${params.length + 1} AND locked_by = $${params.length + 2} AND status = 'running' RETURNING ordering_key),
          ${PROMOTE_NEXT}, effect AS (${statement.text})
     SELECT (SELECT count(*) FROM finished)::int AS finished, (SELECT count(*) FROM effect)::int AS effected`,
    [...params, jobId, workerId],
  );
  return { finished: result.rows[0]!.finished > 0, effected: result.rows[0]!.effected };
}

/**
 * The safety net of the waiting state: a job enqueued while the one ahead of it was finishing may find no one left
 * to promote it. Makes the oldest waiting job of every key without a runnable job pending; cheap, run now and then.
 */
export async function promoteOrphanedJobs(db: Queryable): Promise<number> {
  const result = await db.query(
    `UPDATE jobs SET status = 'pending', updated_at = now()
      WHERE id IN (
        SELECT DISTINCT ON (w.ordering_key) w.id FROM jobs w
         WHERE w.status = 'waiting'
           AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.ordering_key = w.ordering_key AND o.status IN ('pending', 'running'))
         ORDER BY w.ordering_key, w.id)`,
  );
  return result.rowCount;
}

export async function retryJob(db: Queryable, jobId: number, workerId: string, runAt: Date, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'pending', run_at = $3, locked_until = NULL, locked_by = NULL, last_error = $4, updated_at = now()
      WHERE id = $1 AND locked_by = $2`,
    [jobId, workerId, runAt, error.slice(0, 2000)],
  );
}

/** A dead job stays for inspection; it no longer holds up its key. */
export async function buryJob(db: Queryable, jobId: number, workerId: string, error: string): Promise<void> {
  await db.query(
    `WITH finished AS (
       UPDATE jobs SET status = 'dead', locked_until = NULL, locked_by = NULL, last_error = $3, updated_at = now()
        WHERE id = $1 AND locked_by = $2 RETURNING ordering_key),
     ${PROMOTE_NEXT}
     SELECT 1`,
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
 * Delay before attempt n + 1: uniform in [0, min(300, 2·2^(n−1))] seconds ("full jitter", docs/jobs-and-delivery.md#retries);
 * a provider's Retry-After replaces it, capped at 300 s.
 */
export function retryDelaySeconds(attempt: number, retryAfterSeconds: number | null = null, random: () => number = Math.random): number {
  if (retryAfterSeconds !== null) return Math.min(300, Math.max(0, retryAfterSeconds));
  const ceiling = Math.min(300, 2 * 2 ** (attempt - 1));
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}
