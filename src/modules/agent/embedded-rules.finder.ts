import type { Queryable } from '../../platform/db/db.js';

/**
 * The texts a customer sent on a channel since a moment, in any conversation (docs/agent.md#the-embedded-responder,
 * the repeated-text rule). Only stored messages count: quarantined ones never reach the messages table. Deleted
 * messages still count (a spammer's message deleted by staff was still sent).
 */
export async function customerTextsSince(db: Queryable, tenantId: number, channelId: number, customerId: number, since: Date, until: Date): Promise<string[]> {
  const result = await db.query<{ message: string }>(
    `SELECT m.message FROM conversations c
       JOIN messages m ON m.tenant_id = c.tenant_id AND m.conversation_id = c.id
      WHERE c.tenant_id = $1 AND c.customer_id = $3 AND c.channel_id = $2
        AND m.is_customer AND m.created_at >= $4 AND m.created_at <= $5 AND m.message IS NOT NULL`,
    [tenantId, channelId, customerId, since, until],
  );
  return result.rows.map((row) => row.message);
}
