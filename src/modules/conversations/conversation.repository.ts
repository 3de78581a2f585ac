import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../http/errors.js';
import type { ChannelType } from '../channels/channel-types.js';

/** The conversation row with what sending needs from its channel. */
export interface ConversationRecord {
  id: number;
  tenant_id: number;
  channel_id: number;
  channel_type: ChannelType;
  customer_id: number;
  address: string;
  last_message_id: number | null;
  /** Kept exact in the same transaction as every message insert: the message list's total. */
  message_count: number;
  unread_count: number;
  agent_paused: boolean;
  agent_expires_at: Date | null;
  agent_disabled_by_name: string | null;
  channel_is_active: boolean;
  channel_settings: Record<string, unknown>;
  channel_secrets: Record<string, string>;
}

export const CONVERSATION_NOT_FOUND = 'Conversation not found.';

/** Loads a conversation of the tenant; `lock` takes its row lock for the rest of the transaction. */
export async function findConversation(db: Queryable, tenantId: number, conversationId: number, lock = false): Promise<ConversationRecord | null> {
  const result = await db.query<ConversationRecord>(
    `SELECT c.id, c.tenant_id, c.channel_id, c.channel_type, c.customer_id, c.address, c.last_message_id, c.message_count, c.unread_count,
            c.agent_paused, c.agent_expires_at, c.agent_disabled_by_name,
            ch.is_active AS channel_is_active, ch.settings AS channel_settings, ch.secrets AS channel_secrets
       FROM conversations c JOIN channels ch ON ch.tenant_id = c.tenant_id AND ch.id = c.channel_id
      WHERE c.tenant_id = $1 AND c.id = $2 ${lock ? 'FOR UPDATE OF c' : ''}`,
    [tenantId, conversationId],
  );
  return result.rows[0] ?? null;
}

export async function requireConversation(db: Queryable, tenantId: number, conversationId: number | null, lock = false): Promise<ConversationRecord> {
  const conversation = conversationId === null ? null : await findConversation(db, tenantId, conversationId, lock);
  if (!conversation) throw notFound(CONVERSATION_NOT_FOUND);
  return conversation;
}
