import type { Queryable } from '../../platform/db/db.js';
import type { OutboundDelivery } from './channel-adapter.js';

/** SQL of a delivery: what the job reads of a message to send it, and the status it commits with the job. */

const STATUS_ORDER = ['queued', 'sent', 'delivered', 'read'];

/**
 * The statuses a message may move to `status` from: delivery statuses only move forward, and `failed` may follow
 * `queued` or `sent` (docs/domain-rules.md#messages). Deliveries and provider status webhooks both go by it.
 */
export function statusesBefore(status: 'sent' | 'delivered' | 'read' | 'failed'): string[] {
  return status === 'failed' ? ['queued', 'sent'] : STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(status));
}

export interface DeliveryRow {
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

export async function loadDelivery(db: Queryable, tenantId: number, messageId: number): Promise<DeliveryRow | null> {
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

/**
 * The status update that commits with the job's completion (its `finished` CTE): only from an allowed earlier
 * status, and a provider id once set is kept.
 */
export function deliveryStatusStatement(
  tenantId: number,
  messageId: number,
  update: { status: string; now: Date; failureReason?: string | null; providerMessageId?: string; allowedFrom: string[] },
): { text: string; params: unknown[] } {
  return {
    text: `UPDATE messages SET delivery_status = $3, delivery_updated_at = $4, failure_reason = $5,
                  provider_message_id = COALESCE(provider_message_id, $6), read_at = CASE WHEN $3 = 'read' THEN $4 ELSE read_at END, updated_at = $4
            WHERE tenant_id = $1 AND id = $2 AND delivery_status = ANY($7::text[]) AND EXISTS (SELECT 1 FROM finished) RETURNING id`,
    params: [tenantId, messageId, update.status, update.now, update.failureReason ?? null, update.providerMessageId ?? null, update.allowedFrom],
  };
}
