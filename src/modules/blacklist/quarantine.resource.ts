import { formatTimestamp } from '../../platform/clock.js';
import { integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { QuarantinedRow } from './quarantine.repository.js';

/** A message stopped by a blacklist entry (docs/channels.md#blacklist-at-ingress): keys by allow-list, in contract order. */
export function quarantinedResource(row: QuarantinedRow) {
  return {
    id: Number(row.id),
    channel_id: Number(row.channel_id),
    customer_id: Number(row.customer_id),
    message_type: row.message_type,
    message: row.message,
    provider_message_id: row.provider_message_id,
    received_at: formatTimestamp(row.received_at),
  };
}

export const quarantinedSchema = object({
  id: integer,
  channel_id: integer,
  customer_id: integer,
  message_type: string,
  message: nullable(string),
  provider_message_id: nullable(string),
  received_at: timestamp,
});
