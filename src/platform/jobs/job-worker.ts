import crypto from 'node:crypto';
import type { Db } from '../db/db.js';
import type { JobContext } from './define-job.js';
import type { Clock } from '../clock.js';
import { PumpRunner, type WorkPump } from './work-pump.js';
import {
  buryJob,
  claimJobs,
  completeJob,
  completeJobWithEffect,
  DEFAULT_LEASE_SECONDS,
  enqueueRecurringJob,
  JOBS_CHANGE_CHANNEL,
  leaseRenewalMs,
  promoteOrphanedJobs,
  releaseJob,
  renewLeases,
  retryDelaySeconds,
  retryJob,
  type ClaimedJob,
} from './job-queue.js';

const ORPHAN_SWEEP_INTERVAL_MS = 10_000;

/** A job's handler with its dependencies bound (src/jobs.ts binds them from each job's definition). */
export type BoundJobHandler = (context: JobContext) => Promise<void>;

/** Thrown by a handler for a failure that must be retried later, optionally at a time the provider asked for. */
export class RetryableJobError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

export interface WorkerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface WorkerOptions {
  db: Db;
  clock: Clock;
  handlers: Record<string, BoundJobHandler>;
  concurrency: number;
  logger: WorkerLogger;
  /** Lease of a claimed job, renewed every third of it while the job runs (default DEFAULT_LEASE_SECONDS). */
  leaseSeconds?: number;
  pollIntervalMs?: number;
  /** The jitter source (tests pin it so retry times are predictable). */
  random?: () => number;
  /** Job types this worker enqueues every `everyMs` (unless one is already open): maintenance such as cleanups. */
  recurring?: Array<{ type: string; everyMs: number }>;
  /** Queues whose own rows are the work (stored provider events), run next to the jobs. */
  pumps?: WorkPump[];
}

export class JobWorker {
  readonly workerId = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  private running = new Set<Promise<void>>();
  private stopped = true;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastOrphanSweep = 0;
  private readonly claimBatch: number;
  private readonly lastRecurring = new Map<string, number>();
  private readonly executing = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private listening = false;
  private readonly pumps: PumpRunner[];

  constructor(private readonly options: WorkerOptions) {
    this.claimBatch = Math.max(1, Math.ceil(options.concurrency / 4));
    const pumpOptions = { db: options.db, clock: options.clock, logger: options.logger, pollIntervalMs: options.pollIntervalMs ?? 250 };
    this.pumps = (options.pumps ?? []).map((pump) => new PumpRunner(pump, pumpOptions));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    this.listenForJobs();
    for (const pump of this.pumps) pump.start();
    this.heartbeat = setInterval(() => void this.renewLeases(), leaseRenewalMs(this.leaseSeconds));
    this.heartbeat.unref();
  }

  /**
   * Every committed enqueue signals the jobs channel (job-queue.ts), in this process or another, so a worker wakes at
   * once instead of at its next poll; the poll stays as the fallback while other processes' signals are lost.
   */
  private listenForJobs(): void {
    if (this.listening) return;
    this.listening = true;
    this.options.db
      .watchChanges(JOBS_CHANGE_CHANNEL, () => this.notify())
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'job signals unavailable; workers poll');
      });
  }

  private get leaseSeconds(): number {
    return this.options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  }

  /** Keeps the jobs this worker runs leased to it; a failed renewal is only logged, the next one tries again. */
  async renewLeases(): Promise<void> {
    try {
      await renewLeases(this.options.db, this.workerId, [...this.executing], this.options.clock.now(), this.leaseSeconds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'job lease renewal failed');
    }
  }

  /** Tells an idle worker that work was just committed, so it need not wait for the next poll. */
  notify(): void {
    if (!this.stopped) this.wakeUp?.();
  }

  /**
   * Claims and runs whatever is runnable now, jobs and pumps' work, until nothing is left; returns how many jobs and
   * pumped units ran (tests drive time).
   */
  async drain(): Promise<number> {
    let total = 0;
    await promoteOrphanedJobs(this.options.db);
    for (;;) {
      let ran = 0;
      for (const pump of this.pumps) ran += await pump.drain();
      const claimed = await this.claim(this.options.concurrency);
      await Promise.all(claimed.map((job) => this.execute(job)));
      ran += claimed.length;
      if (ran === 0) return total;
      total += ran;
    }
  }

  async stop(timeoutMs = 8000): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    // Leases are renewed until the last job ends: an unfinished one must not run twice while this process still runs it.
    await Promise.race([Promise.all([this.loop, ...this.running, ...this.pumps.map((pump) => pump.stop())]), deadline]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.options.concurrency - this.running.size;
      let claimed: ClaimedJob[] = [];
      // Claims are batched: one claim statement for a quarter of the slots, not one per finished job.
      if (free > 0 && (this.running.size === 0 || free >= this.claimBatch)) {
        try {
          await this.sweepOrphans();
          await this.scheduleRecurring();
          claimed = await this.claim(free);
        } catch (error) {
          this.options.logger.error({ err: error }, 'job claim failed');
        }
      }
      for (const job of claimed) {
        if (this.stopped) {
          await releaseJob(this.options.db, job.id, this.workerId).catch(() => undefined);
          continue;
        }
        const execution = this.execute(job).finally(() => this.running.delete(execution));
        this.running.add(execution);
      }
      if (claimed.length === 0 || this.running.size >= this.options.concurrency) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, this.options.pollIntervalMs ?? 250);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = finish;
      for (const execution of this.running) void execution.then(finish, finish);
    });
  }

  private async sweepOrphans(): Promise<void> {
    if (Date.now() - this.lastOrphanSweep < ORPHAN_SWEEP_INTERVAL_MS) return;
    this.lastOrphanSweep = Date.now();
    const promoted = await promoteOrphanedJobs(this.options.db);
    if (promoted > 0) this.options.logger.info({ promoted }, 'waiting jobs promoted');
  }

  /**
   * Enqueues each recurring job whose interval has passed in this process (a run already open is left alone).
   * Returns the types enqueued. A failure is only logged: the next interval tries again.
   */
  async scheduleRecurring(): Promise<string[]> {
    const enqueued: string[] = [];
    for (const { type, everyMs } of this.options.recurring ?? []) {
      if (Date.now() - (this.lastRecurring.get(type) ?? -Infinity) < everyMs) continue;
      this.lastRecurring.set(type, Date.now());
      try {
        if (await enqueueRecurringJob(this.options.db, type, this.options.clock.now())) enqueued.push(type);
      } catch (error) {
        this.options.logger.error({ err: error, type }, 'recurring job not enqueued');
      }
    }
    return enqueued;
  }

  private claim(limit: number): Promise<ClaimedJob[]> {
    return claimJobs(this.options.db, { workerId: this.workerId, limit, now: this.options.clock.now(), leaseSeconds: this.leaseSeconds });
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const { db, clock, logger } = this.options;
    const handler = this.options.handlers[job.type];
    const started = Date.now();
    this.executing.add(job.id);
    try {
      if (!handler) throw new Error(`No handler for job type ${job.type}.`);
      let completed = false;
      await handler({
        job,
        payload: job.payload,
        db,
        now: clock.now(),
        complete: async (work) => {
          await db.transaction(async (tx) => {
            if (work) await work(tx);
            await completeJob(tx, job.id, this.workerId);
          });
          completed = true;
        },
        completeWith: async (statement) => {
          await completeJob(db, job.id, this.workerId, statement);
          completed = true;
        },
        completeWithThen: async (statement, then) => {
          await db.transaction(async (tx) => {
            const { effected } = await completeJobWithEffect(tx, job.id, this.workerId, statement);
            await then(tx, effected);
          });
          completed = true;
        },
      });
      if (!completed) await completeJob(db, job.id, this.workerId);
      logger.info({ job: job.id, type: job.type, attempt: job.attempts, ms: Date.now() - started }, 'job done');
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      if (job.attempts >= job.max_attempts || !handler) {
        await buryJob(db, job.id, this.workerId, message).catch(() => undefined);
        logger.error({ job: job.id, type: job.type, attempt: job.attempts, error: message }, 'job dead');
        return;
      }
      const retryAfter = error instanceof RetryableJobError ? error.retryAfterSeconds : null;
      const runAt = new Date(clock.now().getTime() + retryDelaySeconds(job.attempts, retryAfter, this.options.random) * 1000);
      await retryJob(db, job.id, this.workerId, runAt, message).catch(() => undefined);
      logger.warn({ job: job.id, type: job.type, attempt: job.attempts, error: message }, 'job retry scheduled');
    } finally {
      this.executing.delete(job.id);
    }
  }
}
