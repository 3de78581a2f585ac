import type { Db, Queryable } from '../../platform/db/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../conversations/actor.js';
import { requireConversation } from '../conversations/conversation.repository.js';
import { recordEvents } from '../events/event-recorder.js';
import { requestActor } from '../events/event-types.js';
import { lockMessage, markMessagesRead, softDeleteMessage, writeMessageEdit, type LockedMessage } from './message.repository.js';

export const MESSAGE_NOT_FOUND = 'Message not found.';
const EDITABLE_SOURCES = ['user', 'application', 'ai_suggestion'];

async function requireMessage(tx: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<LockedMessage> {
  const message = await lockMessage(tx, tenantId, conversationId, messageId);
  if (!message) throw notFound(MESSAGE_NOT_FOUND);
  return message;
}

/**
 * PUT …/messages/{id} (docs/domain-rules.md#messages): only outbound text written by people; the previous text goes to
 * the audit table, and the conversation preview follows when this is its newest message.
 */
export async function editMessage(db: Db, tenantId: number, conversationId: number, messageId: number, text: string, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    const message = await requireMessage(tx, tenantId, conversationId, messageId);
    if (message.is_customer || message.message_type !== 'text' || message.is_deleted || !EDITABLE_SOURCES.includes(message.source)) {
      throw new AppError('conflict', 'Only text messages sent by users can be edited.');
    }
    const { previewMoved } = await writeMessageEdit(tx, tenantId, conversationId, { id: messageId, previousText: message.message, text }, actor, now);
    recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'message', id: messageId, change: 'updated' });
    if (previewMoved) recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'updated' });
  });
}

/** DELETE …/messages/{id} (docs/domain-rules.md#messages): soft, idempotent; an unread customer message stops counting as unread. */
export async function deleteMessage(db: Db, tenantId: number, conversationId: number, messageId: number, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    const message = await requireMessage(tx, tenantId, conversationId, messageId);
    if (message.is_deleted) return;
    const wasUnread = message.is_customer && message.read_at === null;
    await softDeleteMessage(tx, tenantId, conversationId, messageId, wasUnread, actor, now);
    recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'message', id: messageId, change: 'updated' });
    if (wasUnread) recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'updated' });
  });
}

/** POST …/read (docs/domain-rules.md#conversations): every unread customer message gets read_at; unread_count returns to 0. Idempotent. */
export async function markConversationRead(db: Db, tenantId: number, conversationId: number, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await requireConversation(tx, tenantId, conversationId, true);
    // One conversation.updated, none per message (docs/events.md#who-writes-what).
    if (await markMessagesRead(tx, tenantId, conversationId, now)) {
      recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'updated' });
    }
  });
}
