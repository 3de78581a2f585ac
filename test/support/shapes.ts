/** Expected shapes of API bodies: key lists in response order, timestamp and id patterns, token decoding. */

/** docs/responses.md#json-typing: YYYY-MM-DDTHH:MM:SSZ, no fraction. */
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const CONVERSATION_KEYS = [
  'id',
  'display_name',
  'address',
  'last_message_id',
  'last_message',
  'last_message_at',
  'last_message_type',
  'last_message_is_customer',
  'unread_count',
  'agent_disabled',
  'agent_expires_at',
  'agent_disabled_by_user_name',
  'customer',
  'channel',
  'blacklist',
];
export const CONVERSATION_CUSTOMER_KEYS = ['id', 'first_name', 'last_name', 'phone_number', 'avatar_url'];
export const CONVERSATION_CHANNEL_KEYS = ['id', 'name', 'type', 'address'];
export const BLACKLIST_KEYS = [
  'id',
  'tenant_id',
  'reason',
  'reason_label',
  'note',
  'blocked_at',
  'expires_at',
  'is_active',
  'is_permanent',
  'is_expired',
  'remaining_time',
  'metadata',
  'created_at',
  'updated_at',
  'deleted_at',
  'channel',
  'customer',
];
export const PAGINATOR_KEYS = ['data', 'links', 'meta'];
export const LINKS_KEYS = ['first', 'last', 'prev', 'next'];
export const META_KEYS = ['current_page', 'from', 'last_page', 'links', 'path', 'per_page', 'to', 'total'];

/** The API's timestamp text of a Date (whole seconds, literal Z). */
export function apiTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
}

export function jwtPayload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

export function jwtHeader(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

export const MESSAGE_KEYS = [
  'id',
  'conversation_id',
  'user_id',
  'user_name',
  'is_customer',
  'message_type',
  'message',
  'quoted_text',
  'is_deleted',
  'is_edited',
  'edited_by_user_name',
  'deleted_by_user_name',
  'read_at',
  'metadata',
  'created_at',
  'file',
  'file_temporary_url',
];
export const METADATA_KEYS = [
  'source',
  'provider',
  'provider_message_id',
  'provider_timestamp',
  'quoted_message_id',
  'delivery_status',
  'failure_reason',
  'delivery_updated_at',
];
export const SEND_RESULT_KEYS = ['status', 'message_id', 'conversation_id'];
export const AGENT_STATUS_KEYS = ['agent_disabled', 'agent_expires_at', 'agent_disabled_by_user_name', 'remaining_minutes'];
export const SUGGESTION_KEYS = [
  'id',
  'conversation_id',
  'original_text',
  'final_text',
  'status',
  'rating',
  'pending_actions',
  'trigger_chat_log_ids',
  'has_new_messages',
  'sent_at',
  'created_at',
  'updated_at',
];
export const NOT_FOUND_CONVERSATION = { error: 'not_found', message: 'Conversation not found.' };
export const NOT_FOUND_MESSAGE = { error: 'not_found', message: 'Message not found.' };

/** [agent_disabled, agent_expires_at, agent_disabled_by_user_name, remaining_minutes] */
export type AgentState = [boolean, string | null, string | null, string | null];
export const NOT_PAUSED: AgentState = [false, null, null, null];
