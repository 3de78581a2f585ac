/**
 * Response shapes for the OpenAPI document (documentation only: serializers build the bodies, key by key).
 * Property order here is the order the API writes.
 */
type Schema = Record<string, unknown>;

const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const string: Schema = { type: 'string' };
const integer: Schema = { type: 'integer' };
const boolean: Schema = { type: 'boolean' };
const timestamp: Schema = { type: 'string', format: 'date-time', example: '2026-11-24T21:09:00Z' };
const integerString: Schema = { type: 'string', pattern: '^[0-9]+$', example: '3' };

export function object(properties: Record<string, Schema>): Schema {
  return { type: 'object', required: Object.keys(properties), properties };
}

const pageLink = object({ url: nullable(string), label: string, active: boolean });

export function paginatorSchema(item: Schema): Schema {
  return object({
    data: { type: 'array', items: item },
    links: object({ first: string, last: string, prev: nullable(string), next: nullable(string) }),
    meta: object({
      current_page: integer,
      from: nullable(integer),
      last_page: integer,
      links: { type: 'array', items: pageLink },
      path: string,
      per_page: integer,
      to: nullable(integer),
      total: integer,
    }),
  });
}

export function envelopeSchema(data: Schema): Schema {
  return object({ success: { type: 'string', example: 'Conversation created successfully.' }, data });
}

/** MessageResult: what deletes answer in `data` (api.md §11). */
export const messageResultSchema = object({ message: { type: 'string', example: 'Customer deleted successfully.' } });

export const channelTypeSchema: Schema = { type: 'string', enum: ['whatsapp', 'instagram', 'website', 'telegram'] };

export const blacklistSchema = object({
  id: integer,
  tenant_id: integer,
  reason: { type: 'string', enum: ['rate_limit', 'llm_spam', 'manual', 'security_threat', 'abusive_language'] },
  reason_label: string,
  note: nullable(string),
  blocked_at: timestamp,
  expires_at: nullable(timestamp),
  is_active: boolean,
  is_permanent: boolean,
  is_expired: boolean,
  remaining_time: nullable({ type: 'string', example: '2 hours 5 minutes' }),
  metadata: { type: 'object', additionalProperties: true },
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
  channel: object({ id: integer, name: string, address: string }),
  customer: object({ id: integer, first_name: nullable(string), last_name: nullable(string), phone_number: nullable(string), email: nullable(string) }),
});

export const conversationSchema = object({
  id: integer,
  display_name: string,
  address: string,
  last_message_id: nullable(integerString),
  last_message: nullable(string),
  last_message_at: nullable(timestamp),
  last_message_type: nullable(string),
  last_message_is_customer: nullable(boolean),
  unread_count: integerString,
  agent_disabled: boolean,
  agent_expires_at: nullable(timestamp),
  agent_disabled_by_user_name: nullable(string),
  customer: object({ id: integer, first_name: nullable(string), last_name: nullable(string), phone_number: nullable(string), avatar_url: nullable(string) }),
  channel: object({ id: integer, name: string, type: channelTypeSchema, address: string }),
  blacklist: nullable(blacklistSchema),
});

export const channelSchema = object({
  id: integer,
  type: channelTypeSchema,
  name: string,
  address: string,
  is_active: boolean,
  settings: { type: 'object', additionalProperties: true, description: 'Non-secret settings of the type; unset ones are null.' },
  secrets: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'Which secrets are stored; values are never returned.' },
  webhook_url: nullable(string),
  created_at: timestamp,
  updated_at: timestamp,
});

export const tenantSchema = object({ id: integer, name: string, logo_url: nullable(string), roles: { type: 'array', items: string } });

export const customerSchema = object({
  id: integer,
  first_name: nullable(string),
  last_name: nullable(string),
  phone_number: nullable({ type: 'string', example: '+905551112233' }),
  email: nullable(string),
  date_of_birth: nullable({ type: 'string', format: 'date-time', example: '1990-05-17T00:00:00Z' }),
  gender: nullable({ type: 'string', enum: ['male', 'female', 'other'] }),
  country_name: nullable(string),
  identity_number: nullable(string),
  job: nullable(string),
  address: nullable(string),
  default_channel_id: nullable(integer),
  avatar_url: nullable(string),
  related_user: nullable(object({ id: integer, name: string })),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
});

const idName = object({ id: integer, name: string });

export const userSchema = object({
  id: integer,
  name: string,
  email: string,
  title: nullable(string),
  phone: nullable(string),
  emergency_contact_name: nullable(string),
  emergency_contact_surname: nullable(string),
  emergency_contact_phone_number: nullable(string),
  blood_group: nullable(string),
  language: { type: 'array', items: { type: 'string', enum: ['Turkish', 'English', 'Other'] } },
  avatar_url: nullable(string),
  is_active: boolean,
  bio: nullable(string),
  last_login_at: nullable(timestamp),
  last_login_ip: nullable(string),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
  roles: { type: 'array', items: idName },
});

export const roleSchema = object({
  id: integer,
  tenant_id: integer,
  name: string,
  is_system: boolean,
  created_at: timestamp,
  updated_at: timestamp,
  permissions_count: integer,
  permissions: { type: 'array', items: idName },
});
