/**
 * One customer exchange per provider, end to end over real HTTP (docs/channels.md): the channel is connected through
 * the API, the provider's signed webhook brings a customer message into the inbox, a reply leaves through the adapter
 * to a local stand-in speaking the provider's wire format, and the provider's status callbacks move the reply
 * forward. The server listens on 127.0.0.1; jobs run through the harness's worker on its clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import { httpCall } from '../support/http-call.js';
import { FakeMeta } from '../support/fake-meta.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import {
  instagramDelivery,
  instagramText,
  metaWebhookRequest,
  telegramTextUpdate,
  telegramWebhookRequest,
  uniqueDigits,
  whatsAppContact,
  whatsAppDelivery,
  whatsAppStatus,
  whatsAppText,
  type WebhookRequest,
} from '../support/webhooks.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let baseUrl: string;
const meta = new FakeMeta();
const telegram = new FakeTelegram();

beforeAll(async () => {
  await meta.start();
  await telegram.start();
  h = await createHarness({ WHATSAPP_API_URL: meta.whatsappUrl, INSTAGRAM_API_URL: meta.instagramUrl, TELEGRAM_API_URL: telegram.url });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.app.server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await h?.close();
  await meta.stop();
  await telegram.stop();
});

function http(method: string, path: string, options: { seed?: SeedResult; body?: string; headers?: Record<string, string> } = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.seed) Object.assign(headers, { authorization: `Bearer ${options.seed.access_token}`, 'x-tenant': String(options.seed.tenant_id) });
  return httpCall(baseUrl, method, path, { headers, ...(options.body === undefined ? {} : { raw: options.body }) });
}

const api = (seed: SeedResult, method: string, path: string, body?: unknown) =>
  http(method, `/api/v1${path}`, { seed, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function deliver(request: WebhookRequest): Promise<void> {
  const answer = await http(request.method, request.path, { headers: request.headers, body: request.body });
  expect([answer.status, answer.body]).toEqual([200, '{"status":"ok"}']);
  await h.drainJobs();
}

async function createChannel(seed: SeedResult, body: Record<string, unknown>): Promise<number> {
  const created = await api(seed, 'POST', '/channels', body);
  expect(created.status, created.body).toBe(201);
  expect(created.body).not.toContain('secret-value');
  return created.json.data.id as number;
}

/** The inbox row of the conversation at this address: the list endpoint, as the inbox reads it. */
async function inboxRow(seed: SeedResult, address: string): Promise<any> {
  const list = await api(seed, 'GET', '/conversations?per_page=100');
  expect(list.status, list.body).toBe(200);
  const row = list.json.data.find((conversation: { address: string }) => conversation.address === address);
  expect(row, `conversation of ${address}`).toBeDefined();
  return row;
}

async function reply(seed: SeedResult, conversationId: number, message: string): Promise<number> {
  const sent = await api(seed, 'POST', `/conversations/${conversationId}/messages`, { message });
  expect(sent.status, sent.body).toBe(200);
  expect(sent.json.data.status).toBe('queued');
  await h.drainJobs();
  return Number(sent.json.data.message_id);
}

/** delivery_status and provider id of one message, as the message list reports them in `metadata`. */
async function delivery(seed: SeedResult, conversationId: number, messageId: number): Promise<{ delivery_status: string; provider_message_id: string }> {
  const page = await api(seed, 'GET', `/conversations/${conversationId}/messages`);
  const message = page.json.data.find((item: { id: number }) => item.id === messageId);
  const metadata = JSON.parse(message.metadata);
  return { delivery_status: metadata.delivery_status, provider_message_id: metadata.provider_message_id };
}

describe('channels end to end over real HTTP', () => {
  it('WhatsApp: handshake, inbound text into the inbox, reply to the Cloud API, delivered then read', async () => {
    const seed = await h.seedTenant();
    const phoneNumberId = uniqueDigits();
    const waId = `90532${uniqueDigits(7)}`;
    const channelId = await createChannel(seed, {
      type: 'whatsapp',
      name: 'Zebrafoot WhatsApp',
      address: '+15551234567',
      settings: { phone_number_id: phoneNumberId, access_token: 'EAAB-secret-value', app_secret: 'app-secret-value', verify_token: 'verify-secret-value' },
    });

    const handshake = await http('GET', '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-secret-value&hub.challenge=1158201444');
    expect([handshake.status, handshake.body]).toEqual([200, '1158201444']);

    const text = 'Merhaba, siparişim nerede?';
    const inbound = whatsAppDelivery(phoneNumberId, { contacts: [whatsAppContact(waId)], messages: [whatsAppText(`wamid.in-${waId}`, text, waId)] });
    await deliver(metaWebhookRequest('whatsapp', inbound, 'app-secret-value'));
    const row = await inboxRow(seed, `+${waId}`);
    expect([row.channel.id, row.last_message, row.unread_count, row.customer.first_name]).toEqual([channelId, text, '1', 'Ayşe']);

    const messageId = await reply(seed, row.id, 'Your order ships tomorrow.');
    const sends = meta.calls('whatsapp:messages').filter((call) => call.path === `/v21.0/${phoneNumberId}/messages`);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.headers.authorization).toBe('Bearer EAAB-secret-value');
    expect(JSON.stringify(sends[0]!.body)).toBe(
      `{"messaging_product":"whatsapp","recipient_type":"individual","to":"${waId}","type":"text","text":{"preview_url":false,"body":"Your order ships tomorrow."}}`,
    );
    const sent = await delivery(seed, row.id, messageId);
    expect(sent.delivery_status).toBe('sent');
    expect(sent.provider_message_id).toMatch(/^wamid\./);

    for (const status of ['delivered', 'read']) {
      await deliver(
        metaWebhookRequest(
          'whatsapp',
          whatsAppDelivery(phoneNumberId, { statuses: [whatsAppStatus(sent.provider_message_id, status, waId)] }),
          'app-secret-value',
        ),
      );
      expect((await delivery(seed, row.id, messageId)).delivery_status).toBe(status);
    }
  });

  it('Instagram: inbound text into the inbox, reply to the send API, read receipt', async () => {
    const seed = await h.seedTenant();
    const accountId = uniqueDigits(17);
    const igsid = uniqueDigits(16);
    meta.addProfile(igsid, { name: 'Deniz Aksoy', username: 'deniz.a', profile_pic: 'https://cdn.example.com/deniz.jpg', id: igsid });
    await createChannel(seed, {
      type: 'instagram',
      name: 'Zebrafoot Instagram',
      address: '@zebrafoot',
      settings: { account_id: accountId, access_token: 'IGQ-secret-value', app_secret: 'ig-app-secret-value', verify_token: 'ig-verify-secret-value' },
    });

    const text = 'Do you have these in size 42?';
    await deliver(
      metaWebhookRequest('instagram', instagramDelivery(accountId, [instagramText(accountId, `mid.in-${igsid}`, text, igsid)]), 'ig-app-secret-value'),
    );
    const row = await inboxRow(seed, igsid);
    expect([row.last_message, row.unread_count]).toEqual([text, '1']);

    const messageId = await reply(seed, row.id, 'Yes, size 42 is in stock.');
    const sends = meta.calls('instagram:messages').filter((call) => call.path === `/instagram/v21.0/${accountId}/messages`);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.headers.authorization).toBe('Bearer IGQ-secret-value');
    expect(JSON.stringify(sends[0]!.body)).toBe(`{"recipient":{"id":"${igsid}"},"message":{"text":"Yes, size 42 is in stock."}}`);
    const sent = await delivery(seed, row.id, messageId);
    expect(sent.delivery_status).toBe('sent');

    // Instagram reports reads, not deliveries (its webhook has no delivered receipt).
    const read = { sender: { id: igsid }, recipient: { id: accountId }, timestamp: 1764010900000, read: { mid: sent.provider_message_id } };
    await deliver(metaWebhookRequest('instagram', instagramDelivery(accountId, [read]), 'ig-app-secret-value'));
    expect((await delivery(seed, row.id, messageId)).delivery_status).toBe('read');
  });

  it('Telegram: inbound text into the inbox, reply with sendMessage', async () => {
    const seed = await h.seedTenant();
    const botToken = `${uniqueDigits(10)}:AAH${'x'.repeat(32)}`;
    const chatId = Number(uniqueDigits(9));
    const channelId = await createChannel(seed, {
      type: 'telegram',
      name: 'Zebrafoot bot',
      address: '@zebrafoot_bot',
      settings: { bot_token: botToken, secret_token: 'tg_secret-value' },
    });

    const text = 'Is the store open on Sunday?';
    await deliver(telegramWebhookRequest(channelId, telegramTextUpdate(864201337, text, chatId), 'tg_secret-value'));
    const row = await inboxRow(seed, String(chatId));
    expect([row.last_message, row.unread_count, row.customer.first_name, row.customer.last_name]).toEqual([text, '1', 'Mehmet', 'Kaya']);

    const messageId = await reply(seed, row.id, 'Yes, from 10 to 16.');
    const sends = telegram.calls('telegram:sendMessage').filter((call) => call.path === `/bot${botToken}/sendMessage`);
    expect(sends).toHaveLength(1);
    expect(JSON.stringify(sends[0]!.body)).toBe(`{"chat_id":${chatId},"text":"Yes, from 10 to 16."}`);
    // The Bot API has no delivery or read receipts for bots: a reply Telegram accepted stays `sent`.
    const sent = await delivery(seed, row.id, messageId);
    expect(sent.delivery_status).toBe('sent');
    expect(sent.provider_message_id).toMatch(new RegExp(`^${chatId}:\\d+$`));
  });
});
