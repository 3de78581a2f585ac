import type { Queryable } from '../../platform/db/db.js';
import type { InboundProvider } from './inbound-event.js';

/**
 * The channel lookups of the provider webhooks (docs/channels.md#inbound-webhooks). A webhook names a provider
 * account, not a tenant, so these are the only global reads of `channels`; each is one indexed query (migration
 * 0002's partial indexes, 0018's index by id).
 */

export interface WebhookChannel {
  tenant_id: number;
  id: number;
  is_active: boolean;
  routing_key: string | null;
  /** Sealed secrets (channel-secrets.ts): opened only to verify this request. */
  secrets: Record<string, string>;
}

/** Live channels of `type` whose routing key (phone number id, Instagram account id) is one of `routingKeys`. */
export async function findLiveChannelsByRoutingKey(db: Queryable, type: InboundProvider, routingKeys: string[]): Promise<WebhookChannel[]> {
  const result = await db.query<WebhookChannel>(
    `SELECT tenant_id, id, is_active, routing_key, secrets FROM channels
      WHERE type = $1 AND routing_key = ANY($2::text[]) AND is_active`,
    [type, routingKeys],
  );
  return result.rows;
}

/** Whether a live channel of `type` has this verify token (by its digest, docs/channels.md#secrets-at-rest). */
export async function liveChannelHasVerifyToken(db: Queryable, type: InboundProvider, digest: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM channels WHERE verify_token_digest = $1 AND type = $2 AND is_active LIMIT 1', [digest, type]);
  return result.rowCount > 0;
}

/** A Telegram channel by id, switched off or not (a switched-off one still verifies its secret). */
export async function findTelegramChannel(db: Queryable, channelId: number): Promise<WebhookChannel | null> {
  const result = await db.query<WebhookChannel>(`SELECT tenant_id, id, is_active, routing_key, secrets FROM channels WHERE id = $1 AND type = 'telegram'`, [
    channelId,
  ]);
  return result.rows[0] ?? null;
}
