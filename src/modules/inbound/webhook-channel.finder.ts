import type { Queryable } from '../../platform/db/db.js';
import { ChangeAwareCache } from '../../platform/change-aware-cache.js';
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

/**
 * The webhooks' channel lookups, dropped in every process whenever `channels` is written (migration 0023's
 * signal): a delivery then costs one round trip, its insert. Another process hears a change a few milliseconds after
 * its commit, so a channel just switched off there may still take a delivery in that window.
 */
export class WebhookChannelCache extends ChangeAwareCache<WebhookChannel[]> {
  static readonly CHANNEL = 'channels';
}

/** Live channels of `type` whose routing key (phone number id, Instagram account id) is one of `routingKeys`. */
export function findLiveChannelsByRoutingKey(
  db: Queryable,
  cache: WebhookChannelCache,
  type: InboundProvider,
  routingKeys: string[],
): Promise<WebhookChannel[]> {
  const keys = [...new Set(routingKeys)].sort();
  return cache.get(`${type}:${JSON.stringify(keys)}`, async () => {
    const result = await db.query<WebhookChannel>(
      `SELECT tenant_id, id, is_active, routing_key, secrets FROM channels
        WHERE type = $1 AND routing_key = ANY($2::text[]) AND is_active`,
      [type, keys],
    );
    return result.rows;
  });
}

/** Whether a live channel of `type` has this verify token (by its digest, docs/channels.md#secrets-at-rest). */
export async function liveChannelHasVerifyToken(db: Queryable, type: InboundProvider, digest: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM channels WHERE verify_token_digest = $1 AND type = $2 AND is_active LIMIT 1', [digest, type]);
  return result.rowCount > 0;
}

/** A Telegram channel by id, switched off or not (a switched-off one still verifies its secret). */
export async function findTelegramChannel(db: Queryable, cache: WebhookChannelCache, channelId: number): Promise<WebhookChannel | null> {
  const found = await cache.get(`telegram-id:${channelId}`, async () => {
    const result = await db.query<WebhookChannel>(`SELECT tenant_id, id, is_active, routing_key, secrets FROM channels WHERE id = $1 AND type = 'telegram'`, [
      channelId,
    ]);
    return result.rows;
  });
  return found[0] ?? null;
}
