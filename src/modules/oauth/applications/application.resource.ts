import { formatTimestamp } from '../../../platform/clock.js';
import type { ApplicationRecord } from './application.repository.js';

import { arrayOf, boolean, integer, object, string, timestamp } from '../../../http/openapi-schemas.js';

const strings = arrayOf(string);

export const applicationSchema = object({
  id: integer,
  client_id: { type: 'string', format: 'uuid' },
  name: string,
  redirect_uris: strings,
  confidential: boolean,
  scopes: strings,
  grant_types: strings,
  client_secret: { type: 'string', nullable: true, description: 'Only in the answers of create and secret regeneration.' },
  created_at: timestamp,
  updated_at: timestamp,
});

/** ApplicationResource (docs/oauth.md#applications), keys in this order; the secret only when just generated. */
export function applicationResource(application: ApplicationRecord, secret: string | null = null) {
  return {
    id: application.id,
    client_id: application.client_id,
    name: application.name,
    redirect_uris: application.redirect_uris,
    confidential: application.confidential,
    scopes: application.scopes,
    grant_types: application.confidential ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['authorization_code', 'refresh_token'],
    client_secret: secret,
    created_at: formatTimestamp(application.created_at),
    updated_at: formatTimestamp(application.updated_at),
  };
}
