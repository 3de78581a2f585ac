import type { Db, Queryable } from '../../platform/db/db.js';
import { isUniqueViolation } from '../../platform/db/db.js';
import { digitsOf, isPhoneLike, normalizePhone } from '../customers/phone.js';
import type { ChannelType } from '../channels/channel-types.js';

export interface StartConversationInput {
  channelId: number;
  address: string;
  firstName: string | null;
  lastName: string | null;
}

/** One conversation per (channel, address key): on WhatsApp, addresses with digits compare by their digits. */
export function addressKey(channelType: ChannelType, address: string): string {
  const digits = digitsOf(address);
  return channelType === 'whatsapp' && digits !== '' ? digits : address;
}

/** Bumps the exact list totals inside the caller's transaction (no COUNT(*) on the list path). */
export async function countConversation(tx: Queryable, tenantId: number, channelType: ChannelType, delta: number): Promise<void> {
  await tx.query(
    `INSERT INTO conversation_counts (tenant_id, channel_type, total) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, channel_type) DO UPDATE SET total = conversation_counts.total + EXCLUDED.total`,
    [tenantId, channelType, delta],
  );
}

class ConversationAlreadyExists extends Error {}

async function findByKey(db: Queryable, tenantId: number, channelId: number, key: string): Promise<number | null> {
  const found = await db.query<{ id: number }>(
    'SELECT id FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3',
    [tenantId, channelId, key],
  );
  return found.rows[0]?.id ?? null;
}

/** Finds the live customer with this phone (filling null names) or creates one; returns its id. */
async function customerFor(tx: Queryable, tenantId: number, channelType: ChannelType, input: StartConversationInput, now: Date): Promise<number> {
  const phone = channelType === 'whatsapp' && isPhoneLike(input.address) ? normalizePhone(input.address, { international: true }).value : null;
  if (phone) {
    const existing = await tx.query<{ id: number }>(
      `UPDATE customers SET first_name = COALESCE(first_name, $3), last_name = COALESCE(last_name, $4),
              updated_at = CASE WHEN (first_name IS NULL AND $3::text IS NOT NULL) OR (last_name IS NULL AND $4::text IS NOT NULL) THEN $5 ELSE updated_at END
        WHERE tenant_id = $1 AND phone_number = $2 AND deleted_at IS NULL RETURNING id`,
      [tenantId, phone, input.firstName, input.lastName, now],
    );
    if (existing.rows[0]) return existing.rows[0].id;
  }
  const created = await tx.query<{ id: number }>(
    `INSERT INTO customers (tenant_id, first_name, last_name, phone_number, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
    [tenantId, input.firstName, input.lastName, phone, now],
  );
  return created.rows[0]!.id;
}

/**
 * POST /conversations (api-conversations.md §2.2): returns the existing conversation of (channel, address) or
 * creates customer and conversation in one transaction. Concurrent calls converge on one conversation.
 */
export async function startConversation(
  db: Db,
  tenantId: number,
  channel: { id: number; type: ChannelType },
  input: StartConversationInput,
  now: Date,
): Promise<{ conversationId: number; created: boolean }> {
  const key = addressKey(channel.type, input.address);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const existing = await findByKey(tx, tenantId, channel.id, key);
        if (existing !== null) return { conversationId: existing, created: false };
        const customerId = await customerFor(tx, tenantId, channel.type, input, now);
        const inserted = await tx.query<{ id: number }>(
          `INSERT INTO conversations (tenant_id, channel_id, channel_type, customer_id, address, address_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
           ON CONFLICT (tenant_id, channel_id, address_key) DO NOTHING RETURNING id`,
          [tenantId, channel.id, channel.type, customerId, input.address, key, now],
        );
        // Another request created it meanwhile: undo our customer and answer with theirs.
        if (!inserted.rows[0]) throw new ConversationAlreadyExists();
        await countConversation(tx, tenantId, channel.type, 1);
        return { conversationId: inserted.rows[0].id, created: true };
      });
    } catch (error) {
      const raced = error instanceof ConversationAlreadyExists || isUniqueViolation(error);
      if (!raced || attempt >= 3) throw error;
    }
  }
}
