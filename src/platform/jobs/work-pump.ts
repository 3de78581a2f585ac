import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import type { WorkerLogger } from './job-worker.js';

/**
 * A queue that is not the jobs table: its own rows are the work (stored provider events), claimed and applied in
 * batches by `run`, which returns how many it settled (0: nothing due). Whoever stores work signals `wakeChannel`
 * after commit (docs/jobs-and-delivery.md#work-pumps).
 */
export interface WorkPump {
  name: string;
  wakeChannel: string;
  /** Batches run at once in one process (each holds a database connection while it runs). */
  loops: number;
  run(now: Date): Promise<number>;
  /** Called when the runner stops, before it waits for the running batches: a pump whose units wait on the network cuts them short here. */
  stopping?(): void;
  /** The pump's own poll, instead of the worker's: a pump woken by other signals (`watch`) polls only as a safety net. */
  pollIntervalMs?: number;
  /** Wake-ups beyond `wakeChannel`, started with the runner; resolves to what stops them. */
  watch?(wake: () => void): Promise<() => void>;
}

/** Runs a pump's loops next to the job worker: a loop runs batches while they find work, then waits for a signal or the poll. */
export class PumpRunner {
  private stopped = true;
  private readonly loops = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  /** A signal came since the last batch began: work may have been stored after its claim, so look again at once. */
  private signalled = false;
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly pump: WorkPump,
    private readonly options: { db: Db; clock: Clock; logger: WorkerLogger; pollIntervalMs: number },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.options.db
      .watchChanges(this.pump.wakeChannel, () => this.wake())
      .catch((error: unknown) => this.options.logger.warn({ err: error, pump: this.pump.name }, 'pump signals unavailable; it polls'));
    this.pump
      .watch?.(() => this.wake())
      .then((unwatch) => {
        if (this.stopped) unwatch();
        else this.unwatch = unwatch;
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, pump: this.pump.name }, 'pump wake-ups unavailable; it polls'));
    for (let i = 0; i < this.pump.loops; i++) {
      const loop = this.loop().finally(() => this.loops.delete(loop));
      this.loops.add(loop);
    }
  }

  /** Runs batches until one finds nothing due; returns how many units were settled (tests drive time). */
  async drain(): Promise<number> {
    let total = 0;
    for (let settled = await this.pump.run(this.options.clock.now()); settled > 0; settled = await this.pump.run(this.options.clock.now())) total += settled;
    return total;
  }

  /** Lets the running batches finish (each is one transaction) and ends the loops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = null;
    this.pump.stopping?.();
    this.wake();
    await Promise.all(this.loops);
  }

  private wake(): void {
    this.signalled = true;
    for (const wake of this.sleepers) wake();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let settled = 0;
      this.signalled = false;
      try {
        settled = await this.pump.run(this.options.clock.now());
      } catch (error) {
        this.options.logger.error({ err: error, pump: this.pump.name }, 'pump batch failed');
      }
      if (settled === 0 && !this.stopped && !this.signalled) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.pump.pollIntervalMs ?? this.options.pollIntervalMs);
      this.sleepers.add(done);
    });
  }
}
