import type { Queryable } from '../../platform/db/db.js';

/** The quarantine of messages stopped by an active blacklist entry (docs/channels.md#blacklist-at-ingress). */

export interface QuarantinedMessage {
  blacklistId: number;
  channelId: number;
  customerId: number;
  inboundEventId: number | null;
  messageType: string;
  text: string | null;
  providerMessageId: string | null;
  receivedAt: Date;
}

/** Stores the message and counts it on its entry (quarantined_count, last_quarantined_at) in one statement. */
export async function quarantineMessage(tx: Queryable, tenantId: number, message: QuarantinedMessage, now: Date): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `WITH quarantined AS (
       INSERT INTO quarantined_messages (tenant_id, blacklist_id, channel_id, customer_id, inbound_event_id, message_type, message,
                                         provider_message_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id),
     counted AS (
       UPDATE channel_blacklists SET quarantined_count = quarantined_count + 1, last_quarantined_at = $10
        WHERE tenant_id = $1 AND id = $2)
     SELECT id FROM quarantined`,
    [
      tenantId,
      message.blacklistId,
      message.channelId,
      message.customerId,
      message.inboundEventId,
      message.messageType,
      message.text,
      message.providerMessageId,
      message.receivedAt,
      now,
    ],
  );
  return Number(result.rows[0]!.id);
}

export interface QuarantinedRow {
  id: number;
  channel_id: number;
  customer_id: number;
  message_type: string;
  message: string | null;
  provider_message_id: string | null;
  received_at: Date;
}

/** A page of an entry's quarantined messages, newest first, with the entry's stored count as the total (§9.19). */
export async function listQuarantined(
  db: Queryable,
  tenantId: number,
  blacklistId: number,
  limit: number,
  offset: number,
): Promise<{ rows: QuarantinedRow[]; total: number }> {
  const rows = await db.query<QuarantinedRow>(
    `SELECT id, channel_id, customer_id, message_type, message, provider_message_id, received_at FROM quarantined_messages
      WHERE tenant_id = $1 AND blacklist_id = $2 ORDER BY received_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [tenantId, blacklistId, limit, offset],
  );
  const count = await db.query<{ quarantined_count: number }>('SELECT quarantined_count FROM channel_blacklists WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    blacklistId,
  ]);
  return { rows: rows.rows, total: Number(count.rows[0]?.quarantined_count ?? 0) };
}
