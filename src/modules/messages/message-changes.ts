import type { Db, Queryable } from '../../platform/db/db.js';
import { AppError, notFound } from '../../http/errors.js';
import type { Actor } from '../conversations/actor.js';
import { requireConversation } from '../conversations/conversation.repository.js';

export const MESSAGE_NOT_FOUND = 'Message not found.';
const EDITABLE_SOURCES = ['user', 'application', 'ai_suggestion'];

interface LockedMessage {
  id: number;
  is_customer: boolean;
  message_type: string;
  is_deleted: boolean;
  source: string;
  message: string | null;
  read_at: Date | null;
}

async function lockMessage(tx: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<LockedMessage> {
  const result = await tx.query<LockedMessage>(
    `SELECT id, is_customer, message_type, is_deleted, source, message, read_at FROM messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 FOR UPDATE`,
    [tenantId, conversationId, messageId],
  );
  if (!result.rows[0]) throw notFound(MESSAGE_NOT_FOUND);
  return result.rows[0];
}

/**
 * PUT …/messages/{id} (api-conversations.md §3.4): only outbound text written by people; the previous text goes to
 * the audit table, and the conversation preview follows when this is its newest message.
 */
export async function editMessage(db: Db, tenantId: number, conversationId: number, messageId: number, text: string, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    const message = await lockMessage(tx, tenantId, conversationId, messageId);
    if (message.is_customer || message.message_type !== 'text' || message.is_deleted || !EDITABLE_SOURCES.includes(message.source)) {
      throw new AppError('conflict', 'Only text messages sent by users can be edited.');
    }
    await tx.query(
      `INSERT INTO message_edits (tenant_id, message_id, previous_text, edited_by_user_id, edited_by_name, edited_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [tenantId, messageId, message.message, actor.userId, actor.name, now],
    );
    await tx.query(
      `UPDATE messages SET message = $3, is_edited = true, edited_by_user_name = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, messageId, text, actor.name, now],
    );
    await tx.query(
      'UPDATE conversations SET last_message = $3 WHERE tenant_id = $1 AND id = $2 AND last_message_id = $4',
      [tenantId, conversationId, text, messageId],
    );
  });
}

/** DELETE …/messages/{id} (§3.5): soft, idempotent; an unread customer message stops counting as unread. */
export async function deleteMessage(db: Db, tenantId: number, conversationId: number, messageId: number, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    const message = await lockMessage(tx, tenantId, conversationId, messageId);
    if (message.is_deleted) return;
    await tx.query(
      'UPDATE messages SET is_deleted = true, deleted_by_user_name = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2',
      [tenantId, messageId, actor.name, now],
    );
    if (message.is_customer && message.read_at === null) {
      await tx.query(
        'UPDATE conversations SET unread_count = GREATEST(unread_count - 1, 0) WHERE tenant_id = $1 AND id = $2',
        [tenantId, conversationId],
      );
    }
  });
}

/** POST …/read (§2.4): every unread customer message gets read_at; unread_count returns to 0. Idempotent. */
export async function markConversationRead(db: Db, tenantId: number, conversationId: number, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    await tx.query(
      'UPDATE messages SET read_at = $3 WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer AND read_at IS NULL',
      [tenantId, conversationId, now],
    );
    await tx.query('UPDATE conversations SET unread_count = 0 WHERE tenant_id = $1 AND id = $2', [tenantId, conversationId]);
  });
}
