import { defineJob } from '../../platform/jobs/define-job.js';
import { processInboundEvent } from './process-inbound.js';

export interface ProcessInboundPayload {
  /** The inbound_events row (of the job's tenant). */
  event_id: number;
}

/**
 * Applies one stored provider event (docs/channels.md#inbound). Enqueued by the webhook in the transaction that
 * stores the event, with ordering key `inbound:<tenant>:<channel>:<address>` so one customer's events run in
 * receipt order.
 */
export const processInboundJob = defineJob<ProcessInboundPayload>({
  type: 'process_inbound',
  handler: (context, deps) => processInboundEvent(context, deps),
});
