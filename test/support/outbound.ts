import { expect } from 'vitest';
import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { sealChannelSecret } from '../../src/modules/channels/channel-secrets.js';
import { insertMessage, sql } from './factories.js';
import { newConversation } from './requests.js';

/** Helpers of the outbound suites (docs/jobs-and-delivery.md#adapters): channel rows with credentials, delivery state. */

type ProviderType = 'whatsapp' | 'instagram' | 'telegram';

const ROUTING_KEY: Record<ProviderType, (settings: Record<string, unknown>, secrets: Record<string, string>) => string | null> = {
  whatsapp: (settings) => String(settings.phone_number_id ?? '') || null,
  instagram: (settings) => String(settings.account_id ?? '') || null,
  telegram: (_settings, secrets) => secrets.bot_token?.split(':')[0] ?? null,
};

/**
 * Gives the seed's channel of this type provider credentials as the channel routes store them: settings in clear,
 * each secret sealed for its (tenant, channel, key), `routing_key` = phone_number_id / account_id / the bot id.
 */
export async function connectChannel(
  h: Harness,
  seed: SeedResult,
  type: ProviderType,
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): Promise<number> {
  const channelId = seed.channels[type];
  const sealed = Object.fromEntries(Object.entries(secrets).map(([key, value]) => [key, sealChannelSecret(h.deps.box, seed.tenant_id, channelId, key, value)]));
  const routingKey = ROUTING_KEY[type](settings, secrets);
  // The suites reuse the provider examples' ids (106540352242922, bot 123456) in tenant after tenant, and a routing key
  // is unique among live channels: the account moves to the newest channel, as it would in real life.
  await sql(h, `UPDATE channels SET routing_key = NULL WHERE type = $1 AND routing_key = $2 AND is_active`, [type, routingKey]);
  await sql(h, `UPDATE channels SET settings = settings || $3::jsonb, secrets = $4::jsonb, routing_key = $5 WHERE tenant_id = $1 AND id = $2`, [
    seed.tenant_id,
    channelId,
    JSON.stringify(settings),
    JSON.stringify(sealed),
    routingKey,
  ]);
  return channelId;
}

/** A new conversation with this address whose latest customer message arrived at `customerMessageAt` (none when null). */
export async function conversationWithCustomer(
  h: Harness,
  seed: SeedResult,
  type: ProviderType | 'website',
  address: string,
  customerMessageAt: Date | null = h.clock.now(),
): Promise<number> {
  const conversationId = await newConversation(h, seed, type, address);
  if (customerMessageAt) await insertMessage(h, seed.tenant_id, conversationId, { text: 'Hello?', at: customerMessageAt });
  return conversationId;
}

/** Sets a message's provider id (a customer message to quote). */
export async function setProviderId(h: Harness, tenantId: number, messageId: number, providerMessageId: string): Promise<void> {
  await sql(h, 'UPDATE messages SET provider_message_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, messageId, providerMessageId]);
}

export interface DeliveryState {
  delivery_status: string;
  provider_message_id: string | null;
  failure_reason: string | null;
}

/** The stored delivery state of a message. */
export async function deliveryState(h: Harness, tenantId: number, messageId: number): Promise<DeliveryState> {
  const [row] = await sql<DeliveryState>(h, 'SELECT delivery_status, provider_message_id, failure_reason FROM messages WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    messageId,
  ]);
  expect(row, `message ${messageId} exists`).toBeDefined();
  return { delivery_status: row!.delivery_status, provider_message_id: row!.provider_message_id, failure_reason: row!.failure_reason };
}

/** The open deliver_message job of a message (null once it completed). */
export async function deliveryJob(
  h: Harness,
  messageId: number,
): Promise<{ attempts: number; run_at: Date; status: string; last_error: string | null } | null> {
  const [row] = await sql(h, `SELECT attempts, run_at, status, last_error FROM jobs WHERE type = 'deliver_message' AND payload->>'message_id' = $1`, [
    String(messageId),
  ]);
  return row ? { attempts: Number(row.attempts), run_at: new Date(row.run_at), status: row.status, last_error: row.last_error } : null;
}

/** Sends a text through the API and returns the message id (asserts 200 queued). */
export async function sendQueued(h: Harness, token: string, conversationId: number, body: Record<string, unknown>): Promise<number> {
  const response = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, token, body });
  expect(response.status, response.body).toBe(200);
  return Number(response.json.data.message_id);
}
