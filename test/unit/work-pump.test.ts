/**
 * The job worker's pump loops (docs/jobs-and-delivery.md#work-pumps): woken by their change signal, never waiting for
 * the poll when work was signalled, a failing batch logged without ending the loop, and a stop that waits for the
 * running batch. The poll is an hour here, so any wait on it would hang the test.
 */
import { describe, expect, it } from 'vitest';
import { PumpRunner, type WorkPump } from '../../src/platform/jobs/work-pump.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { ChangeEvent, Db } from '../../src/platform/db/db.js';

const HOUR_MS = 3_600_000;

/** A pump whose batches the test answers one by one: each `run` waits for the test's `settle(n)` or `fail()`. */
class ScriptedPump implements WorkPump {
  readonly name = 'scripted';
  readonly wakeChannel = 'scripted';
  readonly loops = 1;
  private pending: Array<{ resolve: (n: number) => void; reject: (error: Error) => void }> = [];
  private waiters: Array<() => void> = [];
  runs = 0;

  run(): Promise<number> {
    this.runs++;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  /** Resolves once the loop has started batch number `count`. */
  async started(count: number): Promise<void> {
    while (this.runs < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  settle(n: number): void {
    this.pending.shift()!.resolve(n);
  }

  fail(): void {
    this.pending.shift()!.reject(new Error('batch failed'));
  }
}

function fakeDb(): { db: Db; signal: () => void } {
  const listeners: Array<(event: ChangeEvent) => void> = [];
  const db = {
    watchChanges: async (_channel: string, listener: (event: ChangeEvent) => void) => void listeners.push(listener),
  } as unknown as Db;
  return { db, signal: () => listeners.forEach((listener) => listener('changed')) };
}

function runner(pump: WorkPump, db: Db, errors: unknown[] = []): PumpRunner {
  const logger = { info: () => undefined, warn: () => undefined, error: (object: object) => void errors.push(object) };
  return new PumpRunner(pump, { db, clock: new ManualClock(), logger, pollIntervalMs: HOUR_MS });
}

describe('PumpRunner', () => {
  it('runs again at once after a batch that found work, and sleeps after an empty one until a signal', async () => {
    const pump = new ScriptedPump();
    const { db, signal } = fakeDb();
    const loops = runner(pump, db);
    loops.start();
    await pump.started(1);
    pump.settle(3);
    await pump.started(2); // work found: no sleep
    pump.settle(0); // nothing: the loop sleeps (an hour, unless signalled)
    await new Promise((resolve) => setImmediate(resolve));
    expect(pump.runs).toBe(2);
    signal();
    await pump.started(3);
    pump.settle(0);
    await loops.stop();
    expect(pump.runs).toBe(3);
  });

  it('a signal that comes while a batch runs makes the loop look again instead of sleeping', async () => {
    const pump = new ScriptedPump();
    const { db, signal } = fakeDb();
    const loops = runner(pump, db);
    loops.start();
    await pump.started(1);
    signal(); // work stored after this batch's claim
    pump.settle(0);
    await pump.started(2);
    pump.settle(0);
    await loops.stop();
    expect(pump.runs).toBe(2);
  });

  it('logs a failing batch and goes on; stop waits for the running batch', async () => {
    const pump = new ScriptedPump();
    const { db, signal } = fakeDb();
    const errors: unknown[] = [];
    const loops = runner(pump, db, errors);
    loops.start();
    await pump.started(1);
    pump.fail();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    signal();
    await pump.started(2);
    let stopped = false;
    const stopping = loops.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    pump.settle(1);
    await stopping;
    expect(pump.runs).toBe(2);
  });

  it('drain runs batches until one finds nothing and returns what they settled', async () => {
    const counts = [10, 10, 4, 0];
    const pump: WorkPump = { name: 'counted', wakeChannel: 'counted', loops: 1, run: async () => counts.shift() ?? 0 };
    expect(await runner(pump, fakeDb().db).drain()).toBe(24);
    expect(counts).toEqual([]);
  });
});
