import { formatTimestamp } from '../../platform/clock.js';
import { arrayOf, boolean, enumOf, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { EndpointRow } from './endpoint.repository.js';

export const endpointSchema = object({
  id: integer,
  url: string,
  description: nullable(string),
  event_types: arrayOf(string),
  enabled: boolean,
  disabled_reason: nullable(enumOf(['manual', 'failing', 'gone'])),
  disabled_at: nullable(timestamp),
  failing_since: nullable(timestamp),
  secret: nullable({ ...string, description: 'The signing secret in clear, only in the answers of create and rotate.' }),
  previous_secret_expires_at: nullable(timestamp),
  created_at: timestamp,
  updated_at: timestamp,
});

/**
 * WebhookEndpointResource (docs/webhooks.md#endpoints), keys in the contract's order. `secret` is given only by
 * create and rotate, which just made it; every other answer shows null.
 */
export function endpointResource(row: EndpointRow, now: Date, secret: string | null = null) {
  const overlap = row.previous_secret_sealed !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: [...row.event_types],
    enabled: row.enabled,
    disabled_reason: row.enabled ? null : row.disabled_reason,
    disabled_at: row.enabled ? null : formatTimestamp(row.disabled_at),
    failing_since: formatTimestamp(row.failing_since),
    secret,
    previous_secret_expires_at: overlap ? formatTimestamp(row.previous_secret_expires_at) : null,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}
