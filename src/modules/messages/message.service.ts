import type { Db, Queryable } from '../../platform/db/db.js';
import { applyHandoffPause } from '../agent/agent.service.js';
import type { Actor } from '../conversations/actor.js';
import { requireConversation, type ConversationRecord } from '../conversations/conversation.repository.js';
import { assertCanSend } from '../conversations/send-rules.js';
import { recordEvents } from '../events/event-recorder.js';
import { requestActor } from '../events/event-types.js';
import { insertOutboundMessage, setMessageFile } from './message.repository.js';

export interface OutboundMessage {
  text: string | null;
  messageType: 'text' | 'image' | 'video' | 'audio' | 'document';
  quotedMessageId: number | null;
  source: 'user' | 'application' | 'ai_suggestion' | 'agent';
  extraMetadata?: Record<string, unknown>;
  /** Stores the attachment inside the send's transaction; returns the file id. */
  attachFile?: (tx: Queryable, messageId: number) => Promise<number>;
  /** The user's handoff pause of docs/domain-rules.md#messages applies to human sends only. */
  applyHandoffPause: boolean;
}

export interface SendHooks {
  /**
   * Runs under the conversation lock before the channel rules (its errors come first, docs/request-checks.md#order-of-checks step 10); what it
   * returns completes the message (an AI suggestion's text is only known once its row is locked).
   */
  before?: (tx: Queryable, conversation: ConversationRecord) => Promise<Partial<OutboundMessage> | void>;
  after?: (tx: Queryable, messageId: number) => Promise<void>;
}

/** Stores the message with its delivery job, then its attachment if any. */
async function insertOutbound(tx: Queryable, conversation: ConversationRecord, actor: Actor, outbound: OutboundMessage, now: Date): Promise<number> {
  const messageId = await insertOutboundMessage(tx, conversation, actor, outbound, deliveryOrderingKey(conversation.tenant_id, conversation.id), now);
  if (outbound.attachFile) {
    const fileId = await outbound.attachFile(tx, messageId);
    await setMessageFile(tx, conversation.tenant_id, messageId, fileId);
  }
  return messageId;
}

/** Deliveries of one conversation run one at a time, in the order the messages were sent. */
export function deliveryOrderingKey(tenantId: number, conversationId: number): string {
  return `conversation:${tenantId}:${conversationId}`;
}

/**
 * Sends an outbound message (docs/domain-rules.md#messages, docs/domain-rules.md#conversations): with the conversation row locked, checks the channel
 * rules, stores the message, moves the conversation's preview, applies the handoff pause and commits the delivery
 * job, all in one transaction. Hooks let callers (AI suggestions) check state under the lock and add writes.
 */
export async function sendMessage(
  db: Db,
  tenantId: number,
  conversationId: number,
  actor: Actor,
  outbound: OutboundMessage,
  now: Date,
  hooks: SendHooks = {},
): Promise<number> {
  return db.transaction(async (tx) => {
    const conversation = await requireConversation(tx, tenantId, conversationId, true);
    const message = { ...outbound, ...((await hooks.before?.(tx, conversation)) ?? {}) };
    await assertCanSend(tx, conversation, now);
    const messageId = await insertOutbound(tx, conversation, actor, message, now);
    if (message.applyHandoffPause) await applyHandoffPause(tx, conversation, actor, now);
    recordEvents(
      tx,
      tenantId,
      requestActor(actor),
      now,
      { kind: 'message', id: messageId, change: 'created' },
      { kind: 'conversation', id: conversationId, change: 'updated' },
    );
    await hooks.after?.(tx, messageId);
    return messageId;
  });
}
