import { formatTimestamp } from '../../platform/clock.js';
import { enumOf, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import { DELIVERY_STATUSES, type DeliveryRow } from './delivery.repository.js';

export const deliverySchema = object({
  id: integer,
  endpoint_id: integer,
  event_id: integer,
  event_type: string,
  webhook_id: string,
  status: enumOf(DELIVERY_STATUSES),
  attempts: integer,
  next_attempt_at: nullable(timestamp),
  last_attempt_at: nullable(timestamp),
  response_status: nullable(integer),
  response_body: nullable(string),
  latency_ms: nullable(integer),
  error: nullable(string),
  redelivery_of: nullable(integer),
  created_at: timestamp,
  updated_at: timestamp,
});

/** The `webhook-id` of an event: the same for every attempt, redelivery and endpoint, so receivers can de-duplicate. */
export function webhookIdOf(tenantId: number, eventId: number): string {
  return `evt_${tenantId}_${eventId}`;
}

/** WebhookDeliveryResource (docs/webhooks.md#the-delivery-log), keys in the contract's order. */
export function deliveryResource(row: DeliveryRow) {
  return {
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    webhook_id: webhookIdOf(row.tenant_id, row.event_id),
    status: row.status,
    attempts: Number(row.attempts),
    next_attempt_at: row.status === 'pending' ? formatTimestamp(row.next_attempt_at) : null,
    last_attempt_at: formatTimestamp(row.last_attempt_at),
    response_status: row.response_status === null ? null : Number(row.response_status),
    response_body: row.response_body,
    latency_ms: row.latency_ms === null ? null : Number(row.latency_ms),
    error: row.error,
    redelivery_of: row.redelivery_of,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}
