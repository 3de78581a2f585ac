import type { JobHandler } from '../../platform/jobs/job-worker.js';
import { cleanUpOAuthState } from './oauth-cleanup.repository.js';

export const OAUTH_CLEANUP_JOB = 'oauth_cleanup';
/** How often each worker process asks for a cleanup run; the job's ordering key lets only one run at a time. */
export const OAUTH_CLEANUP_EVERY_MS = 5 * 60 * 1000;

export function oauthCleanupHandler(): JobHandler {
  return async ({ db, now }) => {
    await cleanUpOAuthState(db, now);
  };
}
