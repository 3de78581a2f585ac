import type { Queryable } from '../../platform/db/db.js';
import { enqueueSql } from '../../platform/jobs/job-queue.js';
import { deliverMessageJob } from '../delivery/deliver-message.job.js';
import type { Actor } from '../conversations/actor.js';
import type { ConversationRecord } from '../conversations/conversation.repository.js';

/**
 * SQL of messages and of what a message write moves on its conversation (preview, counters, arrival order). The
 * callers hold the conversation's row lock where a statement says so.
 */

/** `exists` of quoted_message_id: a live message of this very conversation. */
export async function quotableMessageExists(db: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 AND NOT is_deleted', [
    tenantId,
    conversationId,
    messageId,
  ]);
  return result.rowCount > 0;
}

/** Any message of this conversation, deleted ones included. */
export async function messageExists(db: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3', [tenantId, conversationId, messageId]);
  return result.rowCount > 0;
}

export async function lastCustomerMessageAt(db: Queryable, tenantId: number, conversationId: number): Promise<Date | null> {
  const result = await db.query<{ created_at: Date }>(
    `SELECT created_at FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer
      ORDER BY created_at DESC LIMIT 1`,
    [tenantId, conversationId],
  );
  return result.rows[0]?.created_at ?? null;
}

/**
 * The arrival number of a message inserted into conversation ($1, $2): the caller holds the conversation lock, which
 * makes `seq` = message_count + 1 unique and gapless (migration 0014).
 */
const NEXT_ARRIVAL_NUMBER = '(SELECT message_count + 1 FROM conversations WHERE tenant_id = $1 AND id = $2)';

/** Arrival order stays list order unless the message at `createdAt` is older than one already there (migration 0014). */
function stillArrivalOrdered(createdAt: string): string {
  return `messages_arrival_ordered AND NOT EXISTS (
                SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND created_at > ${createdAt}::timestamptz(0))`;
}

/** What an outbound insert stores besides the conversation and the actor. */
export interface OutboundRow {
  text: string | null;
  messageType: string;
  quotedMessageId: number | null;
  source: string;
  extraMetadata?: Record<string, unknown>;
}

/** The delivery job committed with the message. */
/**
 * Inserts an outbound message, moves the conversation's preview to it and queues its delivery job in one
 * statement (one round trip instead of three: sends are the hot write path). The caller holds the conversation lock,
 * which also makes the message's arrival number (`seq` = message_count + 1) unique and gapless.
 */
export async function insertOutboundMessage(
  tx: Queryable,
  conversation: ConversationRecord,
  actor: Actor,
  outbound: OutboundRow,
  deliveryOrderingKey: string,
  now: Date,
): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    `WITH message AS (
       INSERT INTO messages (tenant_id, conversation_id, channel_id, user_id, user_name, application_id, is_customer, message_type,
                             message, quoted_message_id, source, provider, delivery_status, delivery_updated_at, extra_metadata,
                             created_at, updated_at, seq)
       VALUES ($1, $2, $3, $4, $5, $6, false, $7, $8, $9, $10, $11, 'queued', $12, $13, $12, $12,
               ${NEXT_ARRIVAL_NUMBER}) RETURNING id),
     preview AS (
       UPDATE conversations SET last_message_id = (SELECT id FROM message), last_message = $8, last_message_at = $12,
              last_message_type = $7, last_message_is_customer = false, message_count = message_count + 1, updated_at = $12,
              messages_arrival_ordered = ${stillArrivalOrdered('$12')}
        WHERE tenant_id = $1 AND id = $2),
     delivery AS (${enqueueSql(tx, deliverMessageJob, { tenantId: '$1', payload: { message_id: 'message.id' }, orderingKey: '$14', runAt: '$12', from: 'message' })})
     SELECT id FROM message`,
    [
      conversation.tenant_id,
      conversation.id,
      conversation.channel_id,
      actor.userId,
      actor.name,
      actor.applicationId,
      outbound.messageType,
      outbound.text,
      outbound.quotedMessageId,
      outbound.source,
      conversation.channel_type,
      now,
      JSON.stringify(outbound.extraMetadata ?? {}),
      deliveryOrderingKey,
    ],
  );
  return inserted.rows[0]!.id;
}

/** A message that came from the provider: the customer's (inbound) or the business's own from another app (an echo). */
export interface ProviderMessageRow {
  isCustomer: boolean;
  messageType: string;
  text: string | null;
  quotedMessageId: number | null;
  /** `customer` for inbound messages, `provider_app` for echoes (docs/channels.md#processing-inbound-events). */
  source: string;
  providerMessageId: string;
  providerTimestamp: Date | null;
  extraMetadata: Record<string, unknown>;
  /** The receipt time of its inbound event: the message's created_at (also when processed later). */
  receivedAt: Date;
}

/**
 * A condition the insert of insertProviderMessage must meet, checked in the same statement: `ctes` come first (their
 * parameters numbered from $15, as `params`), `condition` lets the row in, `columns` are returned beside its id.
 */
export interface InsertGuard {
  ctes: string;
  condition: string;
  columns: string;
  params: unknown[];
}

/**
 * The inbound twin of insertOutboundMessage: same arrival number and arrival-order rule, but created_at is the
 * receipt time, so the preview moves only when no newer message is there (api-conversations.md §1.2 order), and a
 * provider id already stored on the channel inserts nothing (a re-run of the event): id null then, as when the
 * `guard` keeps the row out. The caller holds the conversation lock. Customer messages count as unread; echoes are
 * sent and leave unread_count alone. Returns the id and the guard's columns.
 */
export async function insertProviderMessage(
  tx: Queryable,
  conversation: { tenantId: number; id: number; channelId: number; provider: string },
  row: ProviderMessageRow,
  now: Date,
  guard: InsertGuard | null = null,
): Promise<{ id: number | null; guard: Record<string, unknown> }> {
  const inserted = await tx.query<{ id: number | null } & Record<string, unknown>>(
    `WITH ${guard ? `${guard.ctes},` : ''}
     message AS (
       INSERT INTO messages (tenant_id, conversation_id, channel_id, is_customer, message_type, message, quoted_message_id, source, provider,
                             provider_message_id, provider_timestamp, delivery_status, delivery_updated_at, extra_metadata,
                             created_at, updated_at, seq)
       SELECT $1::bigint, $2::bigint, $3::bigint, $4::boolean, $5::text, $6::text, $7::bigint, $8::text, $9::text, $10::text, $11::timestamptz,
              CASE WHEN $4 THEN NULL ELSE 'sent' END, CASE WHEN $4 THEN NULL ELSE $13::timestamptz END,
              $12::jsonb, $14::timestamptz, $13::timestamptz, ${NEXT_ARRIVAL_NUMBER}
        ${guard ? `WHERE ${guard.condition}` : ''}
       ON CONFLICT (tenant_id, channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
       RETURNING id),
     newest AS (
       SELECT NOT EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND created_at > $14::timestamptz(0)) AS yes),
     preview AS (
       UPDATE conversations SET
              last_message_id = CASE WHEN (SELECT yes FROM newest) THEN (SELECT id FROM message) ELSE last_message_id END,
              last_message = CASE WHEN (SELECT yes FROM newest) THEN $6 ELSE last_message END,
              last_message_at = CASE WHEN (SELECT yes FROM newest) THEN $14 ELSE last_message_at END,
              last_message_type = CASE WHEN (SELECT yes FROM newest) THEN $5 ELSE last_message_type END,
              last_message_is_customer = CASE WHEN (SELECT yes FROM newest) THEN $4 ELSE last_message_is_customer END,
              unread_count = unread_count + CASE WHEN $4 THEN 1 ELSE 0 END,
              message_count = message_count + 1, updated_at = $13,
              messages_arrival_ordered = ${stillArrivalOrdered('$14')}
        WHERE tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM message))
     SELECT (SELECT id FROM message) AS id${guard ? `, ${guard.columns}` : ''}`,
    [
      conversation.tenantId,
      conversation.id,
      conversation.channelId,
      row.isCustomer,
      row.messageType,
      row.text,
      row.quotedMessageId,
      row.source,
      conversation.provider,
      row.providerMessageId,
      row.providerTimestamp,
      JSON.stringify(row.extraMetadata),
      now,
      row.receivedAt,
      ...(guard?.params ?? []),
    ],
  );
  const { id, ...columns } = inserted.rows[0]!;
  return { id: id === null || id === undefined ? null : Number(id), guard: columns };
}

export async function setMessageFile(tx: Queryable, tenantId: number, messageId: number, fileId: number): Promise<void> {
  await tx.query('UPDATE messages SET file_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, messageId, fileId]);
}

/** A message as edits and deletes check it. */
export interface LockedMessage {
  id: number;
  is_customer: boolean;
  message_type: string;
  is_deleted: boolean;
  source: string;
  message: string | null;
  read_at: Date | null;
}

/** The message of this conversation with its row lock, or null. */
export async function lockMessage(tx: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<LockedMessage | null> {
  const result = await tx.query<LockedMessage>(
    `SELECT id, is_customer, message_type, is_deleted, source, message, read_at FROM messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 FOR UPDATE`,
    [tenantId, conversationId, messageId],
  );
  return result.rows[0] ?? null;
}

/** New text: the previous one goes to the audit table, and the conversation preview follows when this is its newest message. */
export async function writeMessageEdit(
  tx: Queryable,
  tenantId: number,
  conversationId: number,
  message: { id: number; previousText: string | null; text: string },
  actor: Actor,
  now: Date,
): Promise<{ previewMoved: boolean }> {
  await tx.query(
    `INSERT INTO message_edits (tenant_id, message_id, previous_text, edited_by_user_id, edited_by_name, edited_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [tenantId, message.id, message.previousText, actor.userId, actor.name, now],
  );
  await tx.query(`UPDATE messages SET message = $3, is_edited = true, edited_by_user_name = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    message.id,
    message.text,
    actor.name,
    now,
  ]);
  const preview = await tx.query('UPDATE conversations SET last_message = $3 WHERE tenant_id = $1 AND id = $2 AND last_message_id = $4', [
    tenantId,
    conversationId,
    message.text,
    message.id,
  ]);
  return { previewMoved: preview.rowCount > 0 };
}

/** Soft-deletes the message; `wasUnread` also takes it off the conversation's unread count. */
export async function softDeleteMessage(
  tx: Queryable,
  tenantId: number,
  conversationId: number,
  messageId: number,
  wasUnread: boolean,
  actor: Actor,
  now: Date,
): Promise<void> {
  await tx.query('UPDATE messages SET is_deleted = true, deleted_by_user_name = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    messageId,
    actor.name,
    now,
  ]);
  if (wasUnread) {
    await tx.query('UPDATE conversations SET unread_count = GREATEST(unread_count - 1, 0) WHERE tenant_id = $1 AND id = $2', [tenantId, conversationId]);
  }
}

/** Every unread customer message gets read_at; unread_count returns to 0. Returns whether anything changed. */
export async function markMessagesRead(tx: Queryable, tenantId: number, conversationId: number, now: Date): Promise<boolean> {
  const messages = await tx.query('UPDATE messages SET read_at = $3 WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer AND read_at IS NULL', [
    tenantId,
    conversationId,
    now,
  ]);
  const conversation = await tx.query('UPDATE conversations SET unread_count = 0 WHERE tenant_id = $1 AND id = $2 AND unread_count <> 0', [
    tenantId,
    conversationId,
  ]);
  return messages.rowCount > 0 || conversation.rowCount > 0;
}

/**
 * Numbers a conversation's messages 1..n in list order (oldest first by created_at, id) and marks the
 * conversation arrival-ordered (migration 0014), so its deep pages are read by number range again. For messages
 * written outside the send path (imports, bulk loads), which leave a conversation on the OFFSET path. Locks the
 * conversation so no send interleaves; message_count becomes the real count.
 */
export async function numberMessagesInListOrder(tx: Queryable, tenantId: number, conversationId: number): Promise<void> {
  await tx.query('SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, conversationId]);
  await tx.query(
    `UPDATE messages m SET seq = n.seq
       FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq
               FROM messages WHERE tenant_id = $1 AND conversation_id = $2) n
      WHERE m.tenant_id = $1 AND m.id = n.id AND m.seq IS DISTINCT FROM n.seq`,
    [tenantId, conversationId],
  );
  await tx.query(
    `UPDATE conversations SET messages_arrival_ordered = true,
            message_count = (SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2)
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, conversationId],
  );
}
