import { recordEvents } from '../events/event-recorder.js';
import { SYSTEM_ACTOR } from '../events/event-types.js';
import { defineJob, type JobContext } from '../../platform/jobs/define-job.js';
import { RetryableJobError } from '../../platform/jobs/job-worker.js';
import { PermanentDeliveryError, TransientDeliveryError, type OutboundDelivery } from './channel-adapter.js';
import type { SecretBox } from '../../platform/crypto.js';
import { openChannelSecrets } from '../channels/channel-secrets.js';
import { deliveryStatusStatement, loadDelivery, statusesBefore, type DeliveryRow } from './delivery.repository.js';

export interface DeliverMessagePayload {
  message_id: number;
}

type StatusUpdate = { status: 'sent' | 'delivered' | 'read' | 'failed'; providerMessageId?: string; failureReason?: string | null; now: Date };

/**
 * Delivery statuses only move forward; `failed` may follow `queued` or `sent` (docs/domain-rules.md#messages). The status
 * commits with the job's completion, in one statement, and only while this worker still holds the job.
 */
function completeWithStatus(context: JobContext<DeliverMessagePayload>, tenantId: number, messageId: number, update: StatusUpdate): Promise<void> {
  const statement = deliveryStatusStatement(tenantId, messageId, { ...update, allowedFrom: statusesBefore(update.status) });
  return context.completeWithThen(statement, (tx, moved) => {
    if (moved > 0) recordEvents(tx, tenantId, SYSTEM_ACTOR, update.now, { kind: 'message', id: messageId, change: 'delivery_status_changed' });
  });
}

function toDelivery(row: DeliveryRow, secrets: Record<string, string>): OutboundDelivery {
  return {
    tenantId: row.tenant_id,
    messageId: row.id,
    channel: { id: row.channel_id, type: row.channel_type, settings: row.channel_settings, secrets },
    to: row.address,
    text: row.message,
    messageType: row.message_type,
    quotedProviderMessageId: row.quoted_provider_message_id,
    file:
      row.file_id === null
        ? null
        : { id: row.file_id, name: row.file_name!, mimeType: row.file_mime_type!, size: Number(row.file_size), storageKey: row.file_storage_key! },
  };
}

/** The channel's credentials in clear, only in memory (docs/channels.md#secrets-at-rest); unreadable ones are final. */
function openSecrets(box: SecretBox, row: DeliveryRow): Record<string, string> {
  try {
    return openChannelSecrets(box, { tenant_id: row.tenant_id, id: row.channel_id, secrets: row.channel_secrets });
  } catch {
    throw new PermanentDeliveryError("The channel's stored credentials cannot be decrypted with this server's encryption key.");
  }
}

/**
 * The deliver_message job, enqueued by every send (message.service.ts). A message that already has a provider id is
 * never sent again: the provider id and status commit together with the job's completion, so a retried job finds
 * them and stops.
 */
export const deliverMessageJob = defineJob<DeliverMessagePayload>({
  type: 'deliver_message',
  handler: async (context, { adapters, box }) => {
    const tenantId = context.job.tenant_id!;
    const messageId = Number(context.payload.message_id);
    const row = await loadDelivery(context.db, tenantId, messageId);
    if (!row || row.provider_message_id !== null || row.delivery_status !== 'queued') return context.complete();
    try {
      // The adapter is chosen on the stored (sealed) map: which credentials exist, not their values.
      const adapter = adapters.adapterFor({ id: row.channel_id, type: row.channel_type, settings: row.channel_settings, secrets: row.channel_secrets });
      const delivery = toDelivery(row, adapter.name === 'sandbox' ? {} : openSecrets(box, row));
      const outcome = await adapter.send(delivery);
      await completeWithStatus(context, tenantId, messageId, { status: outcome.status, providerMessageId: outcome.providerMessageId, now: context.now });
    } catch (error) {
      const reason = (error as Error).message;
      if (error instanceof PermanentDeliveryError) {
        return completeWithStatus(context, tenantId, messageId, { status: 'failed', failureReason: reason, now: context.now });
      }
      if (context.job.attempts >= context.job.max_attempts) {
        const finalReason = `Provider unavailable after ${context.job.attempts} attempts: ${reason}`;
        return completeWithStatus(context, tenantId, messageId, { status: 'failed', failureReason: finalReason, now: context.now });
      }
      throw new RetryableJobError(reason, error instanceof TransientDeliveryError ? error.retryAfterSeconds : null);
    }
  },
});
