import { defineJob } from '../../platform/jobs/define-job.js';
import { moveStagedEventsAfterCommit, tenantsWithStagedEvents } from './event-outbox.js';

/** How often each worker process looks for staged events nobody moved; a move normally follows its commit at once. */
export const EVENT_OUTBOX_SWEEP_EVERY_MS = 10_000;

const TENANTS_PER_SWEEP = 100;

/**
 * Recurring (docs/events.md#ids): moves into the log the staged events a process committed and did not move
 * because it ended first or its move failed. Without it they would wait for the tenant's next write.
 */
export const eventOutboxSweepJob = defineJob({
  type: 'event_outbox_sweep',
  everyMs: EVENT_OUTBOX_SWEEP_EVERY_MS,
  handler: async (_context, deps) => {
    for (const tenantId of await tenantsWithStagedEvents(deps.db, TENANTS_PER_SWEEP)) await moveStagedEventsAfterCommit(deps.db, tenantId);
  },
});
