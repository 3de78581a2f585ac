import { defineJob } from '../../platform/jobs/define-job.js';
import { pruneEvents } from './event-log.repository.js';

/** How often each worker process asks for a retention run; the job's ordering key lets only one run at a time. */
export const EVENT_RETENTION_EVERY_MS = 10 * 60 * 1000;

/** The moment before which events are deleted: FLEXTELL_EVENT_RETENTION_HOURS before `now`. */
export function retentionCutoff(now: Date, retentionHours: number): Date {
  return new Date(now.getTime() - retentionHours * 3_600_000);
}

/**
 * Recurring (docs/events.md#retention): deletes events older than FLEXTELL_EVENT_RETENTION_HOURS, as read on the
 * injectable clock, and records each tenant's pruned_through, so a cursor that fell behind gets a reset.
 */
export const eventRetentionJob = defineJob({
  type: 'event_retention',
  everyMs: EVENT_RETENTION_EVERY_MS,
  handler: async ({ db, now }, deps) => {
    await pruneEvents(db, retentionCutoff(now, deps.config.eventRetentionHours));
  },
});
