import type { Queryable } from '../../platform/db/db.js';
import { defineJob, type JobContext } from '../../platform/jobs/define-job.js';
import { RetryableJobError } from '../../platform/jobs/job-worker.js';
import { PermanentDeliveryError, TransientDeliveryError, type OutboundDelivery } from './channel-adapter.js';

interface DeliveryRow {
  id: number;
  tenant_id: number;
  message: string | null;
  message_type: string;
  delivery_status: string | null;
  provider_message_id: string | null;
  address: string;
  channel_id: number;
  channel_type: OutboundDelivery['channel']['type'];
  channel_settings: Record<string, unknown>;
  channel_secrets: Record<string, string>;
  quoted_provider_message_id: string | null;
  file_id: number | null;
  file_name: string | null;
  file_mime_type: string | null;
  file_size: number | null;
  file_storage_key: string | null;
}

export interface DeliverMessagePayload {
  message_id: number;
}

const STATUS_ORDER = ['queued', 'sent', 'delivered', 'read'];

type StatusUpdate = { status: 'sent' | 'delivered' | 'read' | 'failed'; providerMessageId?: string; failureReason?: string | null; now: Date };

/**
 * Delivery statuses only move forward; `failed` may follow `queued` or `sent` (api-conversations.md §1.4). The status
 * commits with the job's completion, in one statement, and only while this worker still holds the job.
 */
function completeWithStatus(context: JobContext<DeliverMessagePayload>, tenantId: number, messageId: number, update: StatusUpdate): Promise<void> {
  const allowedFrom = update.status === 'failed' ? ['queued', 'sent'] : STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(update.status));
  return context.completeWith({
    text: `UPDATE messages SET delivery_status = $3, delivery_updated_at = $4, failure_reason = $5,
                  provider_message_id = COALESCE(provider_message_id, $6), read_at = CASE WHEN $3 = 'read' THEN $4 ELSE read_at END, updated_at = $4
            WHERE tenant_id = $1 AND id = $2 AND delivery_status = ANY($7::text[]) AND EXISTS (SELECT 1 FROM finished)`,
    params: [tenantId, messageId, update.status, update.now, update.failureReason ?? null, update.providerMessageId ?? null, allowedFrom],
  });
}

async function loadDelivery(db: Queryable, tenantId: number, messageId: number): Promise<DeliveryRow | null> {
  const result = await db.query<DeliveryRow>(
    `SELECT m.id, m.tenant_id, m.message, m.message_type, m.delivery_status, m.provider_message_id, c.address,
            ch.id AS channel_id, ch.type AS channel_type, ch.settings AS channel_settings, ch.secrets AS channel_secrets,
            q.provider_message_id AS quoted_provider_message_id,
            f.id AS file_id, f.name AS file_name, f.mime_type AS file_mime_type, f.size AS file_size, f.storage_key AS file_storage_key
       FROM messages m
       JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
       JOIN channels ch ON ch.tenant_id = m.tenant_id AND ch.id = m.channel_id
       LEFT JOIN messages q ON q.tenant_id = m.tenant_id AND q.id = m.quoted_message_id
       LEFT JOIN files f ON f.tenant_id = m.tenant_id AND f.id = m.file_id
      WHERE m.tenant_id = $1 AND m.id = $2`,
    [tenantId, messageId],
  );
  return result.rows[0] ?? null;
}

function toDelivery(row: DeliveryRow): OutboundDelivery {
  return {
    tenantId: row.tenant_id,
    messageId: row.id,
    channel: { id: row.channel_id, type: row.channel_type, settings: row.channel_settings, secrets: row.channel_secrets },
    to: row.address,
    text: row.message,
    messageType: row.message_type,
    quotedProviderMessageId: row.quoted_provider_message_id,
    file: row.file_id === null ? null : { id: row.file_id, name: row.file_name!, mimeType: row.file_mime_type!, size: Number(row.file_size), storageKey: row.file_storage_key! },
  };
}

/**
 * The deliver_message job, enqueued by every send (message.service.ts). A message that already has a provider id is
 * never sent again: the provider id and status commit together with the job's completion, so a retried job finds
 * them and stops.
 */
export const deliverMessageJob = defineJob<DeliverMessagePayload>({
  type: 'deliver_message',
  handler: async (context, { adapters }) => {
    const tenantId = context.job.tenant_id!;
    const messageId = Number(context.payload.message_id);
    const row = await loadDelivery(context.db, tenantId, messageId);
    if (!row || row.provider_message_id !== null || row.delivery_status !== 'queued') return context.complete();
    const delivery = toDelivery(row);
    try {
      const outcome = await adapters.adapterFor(delivery.channel).send(delivery);
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
