import crypto from 'node:crypto';
import type { SecretBox } from '../../src/platform/crypto.js';
import { sealChannelSecret, verifyTokenDigest } from '../../src/modules/channels/channel-secrets.js';
import type { Harness, TestResponse } from './harness.js';
import { sql } from './factories.js';

/**
 * Provider webhooks as the providers send them (docs/channels.md#inbound-webhooks): channel rows connected the way
 * the channel API stores them, Meta's signature over the raw bytes, Telegram's secret header, and the payloads of
 * the spec's examples. The pure builders (`metaWebhookRequest`, `telegramWebhookRequest`) serve the benchmark too.
 */

export type MetaProvider = 'whatsapp' | 'instagram';

export interface WebhookRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

let counter = 0;

/** Digits unique within the test process (phone number ids, account ids, bot ids are global routing keys). */
export function uniqueDigits(length = 15): string {
  counter += 1;
  const random = crypto
    .randomInt(0, 10 ** 6)
    .toString()
    .padStart(6, '0');
  return `${random}${String(counter).padStart(6, '0')}${Date.now() % 10 ** 6}`.padEnd(length, '7').slice(0, length);
}

/** `sha256=<hex>`: HMAC-SHA256 of the bytes with the app secret. */
export function metaSignature(appSecret: string, body: string | Buffer): string {
  return `sha256=${crypto.createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** JSON as Meta sends it: every non-ASCII character escaped as `\uXXXX`. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A signed WhatsApp or Instagram delivery (`signature` overrides the computed header; null leaves it out). */
export function metaWebhookRequest(provider: MetaProvider, body: unknown, appSecret: string, options: { signature?: string | null } = {}): WebhookRequest {
  const text = typeof body === 'string' ? body : metaJson(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? metaSignature(appSecret, text) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return { method: 'POST', path: `/webhooks/${provider}`, headers, body: text };
}

/** A Telegram update for a channel's URL, with its secret token header (null leaves it out). */
export function telegramWebhookRequest(channelId: number | string, update: unknown, secretToken: string | null): WebhookRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secretToken !== null) headers['x-telegram-bot-api-secret-token'] = secretToken;
  return { method: 'POST', path: `/webhooks/telegram/${channelId}`, headers, body: typeof update === 'string' ? update : JSON.stringify(update) };
}

export function sendWebhook(h: Harness, request: WebhookRequest): Promise<TestResponse> {
  return h.request({ method: request.method, url: request.path, headers: request.headers, payload: request.body });
}

export function postMeta(
  h: Harness,
  provider: MetaProvider,
  body: unknown,
  appSecret: string,
  options: { signature?: string | null } = {},
): Promise<TestResponse> {
  return sendWebhook(h, metaWebhookRequest(provider, body, appSecret, options));
}

export function postTelegram(h: Harness, channelId: number | string, update: unknown, secretToken: string | null): Promise<TestResponse> {
  return sendWebhook(h, telegramWebhookRequest(channelId, update, secretToken));
}

function sealAll(box: SecretBox, tenantId: number, channelId: number, secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([key, value]) => [key, sealChannelSecret(box, tenantId, channelId, key, value)]));
}

async function connect(
  h: Harness,
  tenantId: number,
  channelId: number,
  values: { settings: Record<string, unknown>; secrets: Record<string, string>; routingKey: string; verifyToken?: string },
): Promise<void> {
  await sql(
    h,
    `UPDATE channels SET is_active = true, settings = settings || $3::jsonb, secrets = $4::jsonb, routing_key = $5, verify_token_digest = $6
      WHERE tenant_id = $1 AND id = $2`,
    [
      tenantId,
      channelId,
      JSON.stringify(values.settings),
      JSON.stringify(sealAll(h.deps.box, tenantId, channelId, values.secrets)),
      values.routingKey,
      values.verifyToken ? verifyTokenDigest(h.deps.box, values.verifyToken) : null,
    ],
  );
}

export interface MetaConnection {
  /** The routing key: `phone_number_id` (WhatsApp) or `account_id` (Instagram). */
  accountId: string;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
}

/** Gives a channel WhatsApp or Instagram credentials as `PUT /api/v1/channels/{id}` stores them; `omit` leaves secrets out. */
export async function connectMetaChannel(
  h: Harness,
  provider: MetaProvider,
  tenantId: number,
  channelId: number,
  options: { omit?: string[]; accountId?: string; appSecret?: string } = {},
): Promise<MetaConnection> {
  const connection = {
    accountId: options.accountId ?? uniqueDigits(),
    appSecret: options.appSecret ?? crypto.randomBytes(16).toString('hex'),
    verifyToken: `verify-${crypto.randomBytes(6).toString('hex')}`,
    accessToken: `EAAB${crypto.randomBytes(12).toString('hex')}`,
  };
  const secrets: Record<string, string> = { access_token: connection.accessToken, app_secret: connection.appSecret, verify_token: connection.verifyToken };
  for (const key of options.omit ?? []) delete secrets[key];
  const settings =
    provider === 'whatsapp' ? { phone_number_id: connection.accountId, business_account_id: uniqueDigits() } : { account_id: connection.accountId };
  await connect(h, tenantId, channelId, { settings, secrets, routingKey: connection.accountId, verifyToken: connection.verifyToken });
  return connection;
}

export interface TelegramConnection {
  botToken: string;
  secretToken: string;
}

export async function connectTelegramChannel(h: Harness, tenantId: number, channelId: number): Promise<TelegramConnection> {
  const botId = uniqueDigits(10);
  const connection = { botToken: `${botId}:${crypto.randomBytes(18).toString('base64url')}`, secretToken: crypto.randomBytes(16).toString('hex') };
  await connect(h, tenantId, channelId, { settings: {}, secrets: { bot_token: connection.botToken, secret_token: connection.secretToken }, routingKey: botId });
  return connection;
}

export async function switchChannel(h: Harness, tenantId: number, channelId: number, isActive: boolean): Promise<void> {
  await sql(h, 'UPDATE channels SET is_active = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, channelId, isActive]);
}

/** The channel's stored inbound events, oldest first. */
export async function storedEvents(
  h: Harness,
  tenantId: number,
  channelId: number,
): Promise<{ id: number; provider: string; event_key: string; payload: any; received_at: Date }[]> {
  return sql(h, 'SELECT id, provider, event_key, payload, received_at FROM inbound_events WHERE tenant_id = $1 AND channel_id = $2 ORDER BY id', [
    tenantId,
    channelId,
  ]);
}

/** The tenant's stored events still waiting for processing, oldest first, with their ordering keys. */
export async function pendingEvents(h: Harness, tenantId: number): Promise<{ id: number; ordering_key: string | null }[]> {
  return sql(h, 'SELECT id, ordering_key FROM inbound_events WHERE tenant_id = $1 AND processed_at IS NULL ORDER BY id', [tenantId]);
}

// ---- Payloads of docs/channels.md (the spec's examples), parameterised by the account they are addressed to.

/** A WhatsApp delivery of one `messages` change. */
export function whatsAppDelivery(phoneNumberId: string, value: { contacts?: unknown[]; messages?: unknown[]; statuses?: unknown[] }): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15551234567', phone_number_id: phoneNumberId }, ...value },
          },
        ],
      },
    ],
  };
}

export function whatsAppText(wamid: string, body = 'Merhaba, siparişim nerede?', from = '905321234567'): Record<string, unknown> {
  return { from, id: wamid, timestamp: '1764010800', type: 'text', text: { body } };
}

export function whatsAppContact(waId = '905321234567', name = 'Ayşe Yılmaz'): Record<string, unknown> {
  return { profile: { name }, wa_id: waId };
}

export function whatsAppStatus(wamid: string, status: string, recipient = '905321234567'): Record<string, unknown> {
  return { id: wamid, status, timestamp: '1764010900', recipient_id: recipient };
}

/** An Instagram delivery with the given `messaging[]` items. */
export function instagramDelivery(accountId: string, messaging: unknown[]): Record<string, unknown> {
  return { object: 'instagram', entry: [{ id: accountId, time: 1764010800123, messaging }] };
}

export function instagramText(accountId: string, mid: string, text = 'Do you have these in size 42?', sender = '6701234567890123'): Record<string, unknown> {
  return { sender: { id: sender }, recipient: { id: accountId }, timestamp: 1764010800000, message: { mid, text } };
}

export function telegramTextUpdate(updateId: number, text = 'Is the store open on Sunday?', chatId = 531234567, chatType = 'private'): Record<string, unknown> {
  const from = { id: chatId, is_bot: false, first_name: 'Mehmet', last_name: 'Kaya', username: 'mkaya', language_code: 'tr' };
  return {
    update_id: updateId,
    message: {
      message_id: 4711,
      from,
      chat: { id: chatId, first_name: 'Mehmet', last_name: 'Kaya', username: 'mkaya', type: chatType },
      date: 1764010800,
      text,
    },
  };
}
