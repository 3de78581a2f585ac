/**
 * The webhooks of bench:ingest: a WhatsApp channel connected through `POST /api/v1/channels`, and signed deliveries
 * built as test/support/webhooks.ts builds them (metaSignature, whatsAppDelivery, whatsAppText, whatsAppContact:
 * copied, because bench/ compiles with tsconfig.bench.json, which includes bench/ and src/ only).
 */
import crypto from 'node:crypto';
import { tenantHeaders } from './common.js';
import type { BenchRequest } from './load-tool.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

export interface BenchChannel {
  id: number;
  phoneNumberId: string;
  appSecret: string;
}

/** Connects a new WhatsApp channel through the API, as an owner would (docs/channels.md#channel-management). */
export async function createWhatsAppChannel(baseUrl: string, seed: SeedResult, label: string): Promise<BenchChannel> {
  const phoneNumberId = `9${Date.now() % 10 ** 9}${crypto.randomInt(10 ** 4, 10 ** 5)}`;
  const appSecret = crypto.randomBytes(16).toString('hex');
  const response = await fetch(`${baseUrl}/api/v1/channels`, {
    method: 'POST',
    headers: { ...tenantHeaders(seed), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'whatsapp',
      name: `Bench WhatsApp ${label}`,
      address: '+15551234567',
      settings: {
        phone_number_id: phoneNumberId,
        business_account_id: '102290129340398',
        access_token: `EAAB${crypto.randomBytes(12).toString('hex')}`,
        app_secret: appSecret,
        verify_token: `bench-verify-${crypto.randomBytes(6).toString('hex')}`,
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200) throw new Error(`POST /api/v1/channels → ${response.status} ${text.slice(0, 300)}`);
  const id = Number((JSON.parse(text) as { data?: { id?: number | string } }).data?.id);
  if (!Number.isSafeInteger(id)) throw new Error(`POST /api/v1/channels answered no channel id: ${text.slice(0, 300)}`);
  return { id, phoneNumberId, appSecret };
}

/** `sha256=<hex>`: HMAC-SHA256 of the bytes with the app secret (test/support/webhooks.ts metaSignature). */
const metaSignature = (appSecret: string, body: string) => `sha256=${crypto.createHmac('sha256', appSecret).update(body).digest('hex')}`;

/** The customer number of sender `n`: distinct digits, `+<wa_id>` is the conversation's address. */
export const senderWaId = (sender: number) => `9055${String(sender).padStart(8, '0')}`;

/** The message id of webhook `index` of a batch (`P` pre-check, `W` warm-up, `M` measured); ASCII, like wrk needs. */
export const benchWamid = (runTag: string, batch: string, index: number) => `wamid.BENCH${runTag}${batch}${index}`;

export const messageText = (batch: string, index: number) => `Bench message ${batch}${index}`;

/**
 * One signed delivery per message, the sender rotating over `senders.count` numbers from `senders.first` (each
 * shape has its own, customers being the tenant's): each customer gets a message every `senders.count` webhooks
 * (a customer over the flood limit, 20 a minute, is quarantined: the outcomes column shows it).
 */
export function signedWebhooks(channel: BenchChannel, runTag: string, batch: string, count: number, senders: { first: number; count: number }): BenchRequest[] {
  const requests: BenchRequest[] = [];
  for (let index = 0; index < count; index++) {
    const sender = senders.first + (index % senders.count);
    const waId = senderWaId(sender);
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15551234567', phone_number_id: channel.phoneNumberId },
                contacts: [{ profile: { name: `Bench Sender ${sender}` }, wa_id: waId }],
                messages: [
                  {
                    from: waId,
                    id: benchWamid(runTag, batch, index),
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: 'text',
                    text: { body: messageText(batch, index) },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    requests.push({
      method: 'POST',
      path: '/webhooks/whatsapp',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': metaSignature(channel.appSecret, body) },
      body,
    });
  }
  return requests;
}
