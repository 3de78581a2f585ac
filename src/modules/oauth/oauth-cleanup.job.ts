import { defineJob } from '../../platform/jobs/define-job.js';
import { cleanUpOAuthState, OAUTH_CLEANUP_EVERY_MS, OAUTH_CLEANUP_JOB } from './cleanup.js';

/** Recurring: every worker process asks for a run every 5 minutes; its ordering key lets only one run at a time. */
export const oauthCleanupJob = defineJob({
  type: OAUTH_CLEANUP_JOB,
  everyMs: OAUTH_CLEANUP_EVERY_MS,
  handler: async ({ db, now }) => {
    await cleanUpOAuthState(db, now);
  },
});
