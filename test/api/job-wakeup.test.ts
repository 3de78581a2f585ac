import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { currentEngine } from '../support/test-database.js';
import { createJobWorker } from '../../src/jobs.js';
import type { Db, Queryable } from '../../src/platform/db/db.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { enqueue } from '../../src/platform/jobs/job-queue.js';
import type { JobWorker } from '../../src/platform/jobs/job-worker.js';
import { deliverMessageJob } from '../../src/modules/delivery/deliver-message.job.js';

/**
 * Workers are woken by the data layer when a transaction that enqueued a job commits, in this process or another;
 * no route calls anything. The workers here poll every ten minutes, so only a wake-up can make them run a job
 * within the test's time.
 */
const TEN_MINUTES = 600_000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let h: Harness;
let worker: JobWorker;
const cleanups: Array<() => Promise<void>> = [];

async function until<T>(probe: () => Promise<T | undefined>, withinMs: number, what: string): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${withinMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the started worker has nothing left to do (its first round runs the recurring cleanup). */
async function idle(db: Db): Promise<void> {
  await until(
    async () => {
      const open = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('pending', 'running')`);
      return open.rows[0]!.n === 0 ? true : undefined;
    },
    5_000,
    'the worker to go idle',
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
}

function enqueueDelivery(tx: Queryable, messageId: number) {
  return enqueue(tx, deliverMessageJob, { message_id: messageId }, { tenantId: null, runAt: h.clock.now() });
}

/** Compile-time only: enqueue() accepts exactly the payload its job declares. */
export function payloadsAreTyped(tx: Queryable) {
  // @ts-expect-error a payload of another shape is refused
  void enqueue(tx, deliverMessageJob, { message: 'x' }, { tenantId: 1, runAt: new Date() });
}

beforeAll(async () => {
  h = await createHarness();
  worker = createJobWorker(h.deps, silent, { pollIntervalMs: TEN_MINUTES });
  worker.start();
  await idle(h.deps.db);
});
afterAll(async () => {
  await worker?.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await h?.close();
});

describe(`workers woken after commit (${currentEngine()})`, () => {
  it('a send is delivered within a second by a worker that polls every ten minutes', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const list = await h.request({ url: '/api/v1/conversations', token: seed.access_token });
    const conversationId = list.json.data[0].id as number;
    const sent = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages`,
      token: seed.access_token,
      body: { message: 'Wake up' },
    });
    expect(sent.status, sent.body).toBe(200);
    const messageId = Number(sent.json.data.message_id);
    const status = await until(
      async () => {
        const row = await h.deps.db.query<{ delivery_status: string }>('SELECT delivery_status FROM messages WHERE id = $1', [messageId]);
        return row.rows[0]!.delivery_status === 'queued' ? undefined : row.rows[0]!.delivery_status;
      },
      1_000,
      'the delivery',
    );
    expect(status).toBe('delivered');
  });

  it('a rolled-back enqueue stores no job and wakes no worker; a committed one wakes it', async () => {
    await idle(h.deps.db);
    const notify = vi.spyOn(worker, 'notify');
    try {
      const rollback = new Error('rolled back on purpose');
      await expect(
        h.deps.db.transaction(async (tx) => {
          await enqueueDelivery(tx, -1);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(notify).not.toHaveBeenCalled();
      const stored = await h.deps.db.query(`SELECT 1 FROM jobs WHERE payload->>'message_id' = '-1'`);
      expect(stored.rows).toEqual([]);

      await h.deps.db.transaction((tx) => enqueueDelivery(tx, -2));
      await until(async () => (notify.mock.calls.length > 0 ? true : undefined), 1_000, 'the wake-up');
    } finally {
      notify.mockRestore();
    }
  });

  if (currentEngine() === 'postgres') {
    it('a commit in one process wakes the workers of another at once', async () => {
      const name = (await h.deps.db.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name;
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${name}`;
      const otherDb = openPostgres(url.toString(), 2);
      const other = createJobWorker({ ...h.deps, db: otherDb }, silent, { pollIntervalMs: TEN_MINUTES });
      cleanups.push(async () => {
        await other.stop();
        await otherDb.close();
      });
      other.start();
      await idle(otherDb);
      const notify = vi.spyOn(other, 'notify');
      await h.deps.db.transaction((tx) => enqueueDelivery(tx, -3));
      await until(async () => (notify.mock.calls.length > 0 ? true : undefined), 1_000, 'the other process to wake');
      await until(
        async () => {
          const left = await otherDb.query(`SELECT 1 FROM jobs WHERE payload->>'message_id' = '-3'`);
          return left.rows.length === 0 ? true : undefined;
        },
        2_000,
        'the job to be done',
      );
    });
  }
});
