import { formatTimestamp } from '../../platform/clock.js';
import { fileResource, fileSchema, type FileView, type LinkContext } from '../files/file.resource.js';
import { boolean, enumOf, integer, integerString, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export interface MessageView {
  id: number;
  tenant_id: number;
  conversation_id: number;
  user_id: number | null;
  user_name: string | null;
  is_customer: boolean;
  message_type: string;
  message: string | null;
  quoted_message_id: number | null;
  quoted_text: string | null;
  is_deleted: boolean;
  is_edited: boolean;
  edited_by_user_name: string | null;
  deleted_by_user_name: string | null;
  read_at: Date | null;
  source: string;
  provider: string;
  provider_message_id: string | null;
  provider_timestamp: Date | null;
  delivery_status: string | null;
  failure_reason: string | null;
  delivery_updated_at: Date | null;
  extra_metadata: Record<string, unknown>;
  created_at: Date;
  file: FileView | null;
}

/** The metadata text (docs/domain-rules.md#messages): the fixed keys first, in order, then the message's extra keys. */
export function metadataText(message: MessageView): string {
  return JSON.stringify({
    source: message.source,
    provider: message.provider,
    provider_message_id: message.provider_message_id,
    provider_timestamp: formatTimestamp(message.provider_timestamp),
    quoted_message_id: message.quoted_message_id,
    delivery_status: message.delivery_status,
    failure_reason: message.failure_reason,
    delivery_updated_at: formatTimestamp(message.delivery_updated_at),
    ...message.extra_metadata,
  });
}

export const messageSchema = object({
  id: integer,
  conversation_id: integer,
  user_id: nullable(integer),
  user_name: nullable(string),
  is_customer: boolean,
  message_type: { type: 'string', example: 'text' },
  message: nullable(string),
  quoted_text: nullable(string),
  is_deleted: boolean,
  is_edited: boolean,
  edited_by_user_name: nullable(string),
  deleted_by_user_name: nullable(string),
  read_at: nullable(timestamp),
  metadata: { type: 'string', description: 'A JSON text: source, provider and delivery fields first, then extra keys.' },
  created_at: timestamp,
  file: nullable(fileSchema),
  file_temporary_url: nullable(string),
});

/** ConversationMessageResource (docs/domain-rules.md#messages), key by key. */
export function messageResource(message: MessageView, links: LinkContext) {
  const file = message.file ? fileResource(message.file, links) : null;
  return {
    id: message.id,
    conversation_id: message.conversation_id,
    user_id: message.user_id,
    user_name: message.user_name,
    is_customer: message.is_customer,
    message_type: message.message_type,
    message: message.message,
    quoted_text: message.quoted_text,
    is_deleted: message.is_deleted,
    is_edited: message.is_edited,
    edited_by_user_name: message.edited_by_user_name,
    deleted_by_user_name: message.deleted_by_user_name,
    read_at: formatTimestamp(message.read_at),
    metadata: metadataText(message),
    created_at: formatTimestamp(message.created_at),
    file,
    file_temporary_url: file ? file.temporary_url : null,
  };
}

const SEND_STATUSES = ['queued', 'sent', 'failed'] as const;

export const sendResultSchema = object({ status: enumOf(SEND_STATUSES), message_id: integerString, conversation_id: integerString });

export function sendResult(messageId: number, conversationId: number, status: (typeof SEND_STATUSES)[number] = 'queued') {
  return { status, message_id: String(messageId), conversation_id: String(conversationId) };
}
