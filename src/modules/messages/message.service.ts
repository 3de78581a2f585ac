import type { Db, Queryable } from '../../platform/db/db.js';
import { enqueueSql } from '../../platform/jobs/job-queue.js';
import { deliverMessageJob } from '../delivery/deliver-message.job.js';
import type { Actor } from '../conversations/actor.js';
import { requireConversation, type ConversationRecord } from '../conversations/conversation.repository.js';
import { agentPauseInEffect } from '../conversations/conversation.resource.js';
import { assertCanSend } from '../conversations/send-rules.js';
import { loadTenantSettings } from '../tenants/tenant-settings.js';

export interface OutboundMessage {
  text: string | null;
  messageType: 'text' | 'image' | 'video' | 'audio' | 'document';
  quotedMessageId: number | null;
  source: 'user' | 'application' | 'ai_suggestion' | 'agent';
  extraMetadata?: Record<string, unknown>;
  /** Stores the attachment inside the send's transaction; returns the file id. */
  attachFile?: (tx: Queryable, messageId: number) => Promise<number>;
  /** The user's handoff pause of api-conversations.md §4.4 applies to human sends only. */
  applyHandoffPause: boolean;
}

export interface SendHooks {
  /**
   * Runs under the conversation lock before the channel rules (its errors come first, api.md §3 step 10); what it
   * returns completes the message (an AI suggestion's text is only known once its row is locked).
   */
  before?: (tx: Queryable, conversation: ConversationRecord) => Promise<Partial<OutboundMessage> | void>;
  after?: (tx: Queryable, messageId: number) => Promise<void>;
}

/**
 * Inserts an outbound message, moves the conversation's preview to it and queues its delivery job in one
 * statement (one round trip instead of three: sends are the hot write path). The caller holds the conversation lock,
 * which also makes the message's arrival number (`seq` = message_count + 1) unique and gapless.
 */
async function insertOutbound(tx: Queryable, conversation: ConversationRecord, actor: Actor, outbound: OutboundMessage, now: Date): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    `WITH message AS (
       INSERT INTO messages (tenant_id, conversation_id, channel_id, user_id, user_name, application_id, is_customer, message_type,
                             message, quoted_message_id, source, provider, delivery_status, delivery_updated_at, extra_metadata,
                             created_at, updated_at, seq)
       VALUES ($1, $2, $3, $4, $5, $6, false, $7, $8, $9, $10, $11, 'queued', $12, $13, $12, $12,
               (SELECT message_count + 1 FROM conversations WHERE tenant_id = $1 AND id = $2)) RETURNING id),
     preview AS (
       UPDATE conversations SET last_message_id = (SELECT id FROM message), last_message = $8, last_message_at = $12,
              last_message_type = $7, last_message_is_customer = false, message_count = message_count + 1, updated_at = $12,
              -- Arrival order stays list order unless this message is older than one already there (migration 0014).
              messages_arrival_ordered = messages_arrival_ordered AND NOT EXISTS (
                SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND created_at > $12)
        WHERE tenant_id = $1 AND id = $2),
     delivery AS (${enqueueSql(tx, deliverMessageJob, { tenantId: '$1', payload: { message_id: 'message.id' }, orderingKey: '$14', runAt: '$12', from: 'message' })})
     SELECT id FROM message`,
    [conversation.tenant_id, conversation.id, conversation.channel_id, actor.userId, actor.name, actor.applicationId,
      outbound.messageType, outbound.text, outbound.quotedMessageId, outbound.source, conversation.channel_type, now,
      JSON.stringify(outbound.extraMetadata ?? {}), deliveryOrderingKey(conversation.tenant_id, conversation.id)],
  );
  const messageId = inserted.rows[0]!.id;
  if (outbound.attachFile) {
    const fileId = await outbound.attachFile(tx, messageId);
    await tx.query('UPDATE messages SET file_id = $3 WHERE tenant_id = $1 AND id = $2', [conversation.tenant_id, messageId, fileId]);
  }
  return messageId;
}

/** Deliveries of one conversation run one at a time, in the order the messages were sent. */
function deliveryOrderingKey(tenantId: number, conversationId: number): string {
  return `conversation:${tenantId}:${conversationId}`;
}

async function applyHandoffPause(tx: Queryable, conversation: ConversationRecord, actor: Actor, now: Date): Promise<void> {
  const mode = conversation.channel_settings.agent_mode;
  if (mode !== 'autonomous' && mode !== 'copilot') return;
  if (agentPauseInEffect(conversation.agent_paused, conversation.agent_expires_at, now)) return;
  const settings = await loadTenantSettings(tx, conversation.tenant_id);
  const expiresAt = new Date(now.getTime() + settings.agent.handoff_pause_minutes * 60_000);
  await pauseAgent(tx, conversation.tenant_id, conversation.id, actor, expiresAt);
}

export async function pauseAgent(tx: Queryable, tenantId: number, conversationId: number, actor: Actor | null, expiresAt: Date | null): Promise<void> {
  await tx.query(
    `UPDATE conversations SET agent_paused = true, agent_expires_at = $3, agent_disabled_by_user_id = $4, agent_disabled_by_name = $5
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, conversationId, expiresAt, actor?.userId ?? null, actor?.name ?? null],
  );
}

/**
 * Sends an outbound message (api-conversations.md §3.2, §3.8): with the conversation row locked, checks the channel
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
    await hooks.after?.(tx, messageId);
    return messageId;
  });
}
