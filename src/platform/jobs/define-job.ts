import type { Db, Queryable } from '../db/db.js';
import type { ClaimedJob } from './job-queue.js';

/**
 * What a job handler may use besides its context: empty here, filled in by the application (`src/app-deps.ts`
 * makes it the process's `AppDeps`), so the queue itself knows nothing of the modules that use it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobDeps {}

/** A job's payload: stored as JSON, so plain data only. */
export type JobPayload = object;

/** A handler does its work and commits its own effects together with the job's completion through `complete`. */
export interface JobContext<Payload extends JobPayload = JobPayload> {
  job: ClaimedJob;
  /** The stored payload, typed by the job's definition (enqueue() checks it at compile time). */
  payload: Payload;
  db: Db;
  now: Date;
  /** Commits `work` and the job's deletion in one transaction (exactly-once effects). */
  complete(work?: (tx: Queryable) => Promise<void>): Promise<void>;
  /**
   * The same with one SQL statement run together with the deletion, in a single round trip; it can read the CTE
   * `finished` (one row while this worker still holds the job) to apply only then.
   */
  completeWith(statement: { text: string; params: unknown[] }): Promise<void>;
  /**
   * completeWith in a transaction: `statement` must end in `RETURNING` something, and `then` runs in the same
   * transaction with how many rows it changed (to record their events).
   */
  completeWithThen(statement: { text: string; params: unknown[] }, then: (tx: Queryable, changedRows: number) => Promise<void> | void): Promise<void>;
}

export type JobHandler<Payload extends JobPayload = JobPayload> = (context: JobContext<Payload>, deps: JobDeps) => Promise<void>;

export interface JobDefinition<Payload extends JobPayload = JobPayload> {
  /** The `jobs.type` of its rows: never rename one that may still be queued. */
  readonly type: string;
  readonly handler: JobHandler<Payload>;
  /** Attempts before the job is parked as `dead` (default DEFAULT_MAX_ATTEMPTS; recurring jobs run once). */
  readonly maxAttempts?: number;
  /** Makes the job recurring: each worker process asks for a run this often (README "Background jobs"). */
  readonly everyMs?: number;
}

/**
 * Declares a job in the module that owns it, as `defineRoute` declares a route; `src/jobs.ts` lists them all.
 * `Payload` types both the handler's `context.payload` and every `enqueue()` of the job.
 */
export function defineJob<Payload extends JobPayload = Record<never, never>>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  // The type is written into SQL as a literal by enqueueSql(); a plain name keeps that safe.
  if (!/^[a-z][a-z0-9_]*$/.test(definition.type)) throw new Error(`Job type ${definition.type} must be a snake_case name.`);
  return definition;
}

export type AnyJob = JobDefinition<any>;
