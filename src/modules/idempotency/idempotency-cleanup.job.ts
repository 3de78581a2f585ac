import { defineJob } from '../../platform/jobs/define-job.js';
import { deleteExpiredKeys } from './idempotency.repository.js';

export const IDEMPOTENCY_CLEANUP_JOB = 'idempotency_cleanup';

/** Recurring: expired keys are already free (the claim takes them over); this only keeps the table small. */
export const idempotencyCleanupJob = defineJob({
  type: IDEMPOTENCY_CLEANUP_JOB,
  everyMs: 15 * 60 * 1000,
  handler: async ({ db, now }) => {
    await deleteExpiredKeys(db, now);
  },
});
