import { defineJob } from '../../platform/jobs/define-job.js';
import { cleanUpOAuthState } from './oauth-cleanup.repository.js';

export const OAUTH_CLEANUP_JOB = 'oauth_cleanup';
/** How often each worker process asks for a cleanup run; the job's ordering key lets only one run at a time. */
export const OAUTH_CLEANUP_EVERY_MS = 5 * 60 * 1000;

/** Recurring: every worker process asks for a run every 5 minutes; its ordering key lets only one run at a time. */
export const oauthCleanupJob = defineJob({
  type: OAUTH_CLEANUP_JOB,
  everyMs: OAUTH_CLEANUP_EVERY_MS,
  handler: async ({ db, now }) => {
    await cleanUpOAuthState(db, now);
  },
});
