import type { AppDeps } from './app-deps.js';
import type { AnyJob } from './platform/jobs/define-job.js';
import { JobWorker, type WorkerLogger } from './platform/jobs/job-worker.js';
import { deliverMessageJob } from './modules/delivery/deliver-message.job.js';
import { oauthCleanupJob } from './modules/oauth/oauth-cleanup.job.js';
import { inboundPump } from './modules/inbound/inbound-pump.js';
import { registerTelegramWebhookJob } from './modules/channels/register-telegram-webhook.job.js';
import { downloadMediaJob } from './modules/inbound/download-media.job.js';
import { agentRunJob } from './modules/agent/runs/agent-run.job.js';
import { idempotencyCleanupJob } from './modules/idempotency/idempotency-cleanup.job.js';
import { eventRetentionJob } from './modules/events/event-retention.job.js';
import { eventOutboxSweepJob } from './modules/events/event-outbox-sweep.job.js';
import { webhookRetentionJob } from './modules/webhooks/webhook-retention.job.js';
import { webhookDispatchPump } from './modules/webhooks/dispatch-pump.js';
import { webhookAttemptPump } from './modules/webhooks/attempt-pump.js';

/** Every job type, as `routes.ts` lists every route: `serve` and `worker` run this set and the inbound events' pump (README "Background jobs"). */
export const jobs: AnyJob[] = [
  deliverMessageJob,
  oauthCleanupJob,
  registerTelegramWebhookJob,
  downloadMediaJob,
  agentRunJob,
  idempotencyCleanupJob,
  webhookRetentionJob,
  eventRetentionJob,
  eventOutboxSweepJob,
];

export interface JobWorkerOptions {
  /** The jitter source (tests pin it so retry times are predictable). */
  random?: () => number;
  /** The fallback poll; enqueues wake workers at once. */
  pollIntervalMs?: number;
}

export function createJobWorker(deps: AppDeps, logger: WorkerLogger, options: JobWorkerOptions = {}): JobWorker {
  return new JobWorker({
    db: deps.db,
    clock: deps.clock,
    concurrency: deps.config.jobConcurrency,
    leaseSeconds: deps.config.jobLeaseSeconds,
    logger,
    ...options,
    handlers: Object.fromEntries(jobs.map((job) => [job.type, (context) => job.handler(context, deps)])),
    recurring: jobs.flatMap((job) => (job.everyMs === undefined ? [] : [{ type: job.type, everyMs: job.everyMs }])),
    pumps: [inboundPump(deps, { random: options.random }), webhookDispatchPump(deps, { logger }), webhookAttemptPump(deps, { logger, random: options.random })],
  });
}
