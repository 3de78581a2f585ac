import { defineJob } from '../../platform/jobs/define-job.js';
import { pruneDeliveries } from './delivery.repository.js';

/**
 * Recurring: deliveries older than FLEXTELL_WEBHOOK_DELIVERY_RETENTION_DAYS are deleted, with the event payloads no
 * delivery needs any more (docs/webhooks.md#the-delivery-log).
 */
export const webhookRetentionJob = defineJob({
  type: 'webhook_retention',
  everyMs: 60 * 60 * 1000,
  handler: async ({ db, now }, deps) => {
    await pruneDeliveries(db, new Date(now.getTime() - deps.config.webhooks.deliveryRetentionDays * 86_400_000));
  },
});
