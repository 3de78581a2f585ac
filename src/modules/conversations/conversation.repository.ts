import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
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

/** Slots of each (tenant, channel type) total: concurrent new conversations lock different rows (migration 0019). */
const COUNT_SLOTS = 16;

/**
 * Bumps the exact list totals inside the caller's transaction (no COUNT(*) on the list path), in the slot of this
 * conversation; readers add the slots up.
 */
export async function countConversation(tx: Queryable, tenantId: number, channelType: ChannelType, conversationId: number, delta: number): Promise<void> {
  await tx.query(
    `INSERT INTO conversation_counts (tenant_id, channel_type, slot, total) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, channel_type, slot) DO UPDATE SET total = conversation_counts.total + EXCLUDED.total`,
    [tenantId, channelType, conversationId % COUNT_SLOTS, delta],
  );
}

/**
 * New conversations of a long transaction (a batch of inbound events), counted when it ends in one statement that
 * updates the slots in key order: two such transactions then never wait on each other's slots in opposite orders,
 * and a slot is locked only for the end of the transaction.
 */
export class ConversationCountBatch {
  private readonly slots = new Map<string, { tenantId: number; channelType: ChannelType; slot: number; total: number }>();

  add(tenantId: number, channelType: ChannelType, conversationId: number): void {
    const slot = conversationId % COUNT_SLOTS;
    const key = `${tenantId}:${channelType}:${slot}`;
    const entry = this.slots.get(key) ?? { tenantId, channelType, slot, total: 0 };
    entry.total += 1;
    this.slots.set(key, entry);
  }

  async flush(tx: Queryable): Promise<void> {
    if (this.slots.size === 0) return;
    const entries = [...this.slots.values()];
    this.slots.clear();
    await tx.query(
      `INSERT INTO conversation_counts (tenant_id, channel_type, slot, total)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::bigint[]) ORDER BY 1, 2, 3
       ON CONFLICT (tenant_id, channel_type, slot) DO UPDATE SET total = conversation_counts.total + EXCLUDED.total`,
      [entries.map((e) => e.tenantId), entries.map((e) => e.channelType), entries.map((e) => e.slot), entries.map((e) => e.total)],
    );
  }
}

export async function findConversationIdByAddressKey(db: Queryable, tenantId: number, channelId: number, key: string): Promise<number | null> {
  const found = await db.query<{ id: number }>('SELECT id FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3', [
    tenantId,
    channelId,
    key,
  ]);
  return found.rows[0]?.id ?? null;
}

/** Inserts the conversation of (channel, address key); null when one already exists. */
export async function insertConversation(
  tx: Queryable,
  tenantId: number,
  conversation: { channel: { id: number; type: ChannelType }; customerId: number; address: string; addressKey: string },
  now: Date,
): Promise<number | null> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO conversations (tenant_id, channel_id, channel_type, customer_id, address, address_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (tenant_id, channel_id, address_key) DO NOTHING RETURNING id`,
    [tenantId, conversation.channel.id, conversation.channel.type, conversation.customerId, conversation.address, conversation.addressKey, now],
  );
  return inserted.rows[0]?.id ?? null;
}

/** What the read-only message list needs of its conversation: no channel join, no settings or secrets to parse. */
export interface ConversationCount {
  id: number;
  message_count: number;
  /** Whether arrival numbers give the list order (migration 0014), so deep pages need no OFFSET walk. */
  messages_arrival_ordered: boolean;
}

/** Runs on the generic-plan pool: it is on the hot path of every message page. */
export async function findConversationCount(db: Queryable, tenantId: number, conversationId: number): Promise<ConversationCount | null> {
  const result = await db.query<ConversationCount>(
    'SELECT id, message_count, messages_arrival_ordered FROM conversations WHERE tenant_id = $1 AND id = $2',
    [tenantId, conversationId],
    { genericPlan: true },
  );
  const row = result.rows[0];
  return row ? { id: Number(row.id), message_count: Number(row.message_count), messages_arrival_ordered: row.messages_arrival_ordered } : null;
}
