import type { AppDeps } from './app-deps.js';
import { JobWorker, type WorkerLogger } from './platform/jobs/job-worker.js';
import { DELIVER_MESSAGE_JOB } from './modules/messages/message.service.js';
import { deliverMessageHandler } from './modules/delivery/deliver-message.job.js';
import { OAUTH_CLEANUP_EVERY_MS, OAUTH_CLEANUP_JOB, oauthCleanupHandler } from './modules/oauth/cleanup.js';

/** Every job type and its handler; `serve` and `worker` run the same set. */
export function createJobWorker(deps: AppDeps, logger: WorkerLogger, options: { random?: () => number } = {}): JobWorker {
  const worker = new JobWorker({
    db: deps.db,
    clock: deps.clock,
    concurrency: deps.config.jobConcurrency,
    leaseSeconds: deps.config.jobLeaseSeconds,
    logger,
    ...options,
    handlers: { [DELIVER_MESSAGE_JOB]: deliverMessageHandler(deps.adapters), [OAUTH_CLEANUP_JOB]: oauthCleanupHandler() },
    recurring: [{ type: OAUTH_CLEANUP_JOB, everyMs: OAUTH_CLEANUP_EVERY_MS }],
  });
  deps.notifyJobs = () => worker.notify();
  return worker;
}
