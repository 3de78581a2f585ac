/**
 * Each provider call is logged with channel, message, provider, endpoint, status and duration, never with the token
 * (Telegram's is part of the URL) or the text (docs/jobs-and-delivery.md#adapters).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { FakeMeta } from '../support/fake-meta.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { connectChannel, conversationWithCustomer, deliveryState, sendQueued } from '../support/outbound.js';
import { AdapterRegistry } from '../../src/modules/delivery/adapters.js';
import { providerAdapters } from '../../src/modules/delivery/providers/index.js';

const WHATSAPP_TOKEN = 'EAABlogTestTokenNeverLogged';
const BOT_TOKEN = '123456:AAH-logTestBotTokenNeverLogged_xyz';
const TEXT = 'Private order details 7c1f never logged';

const meta = new FakeMeta();
const telegram = new FakeTelegram();
const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
let h: Harness;

beforeAll(async () => {
  await meta.start();
  await telegram.start();
  h = await createHarness({ WHATSAPP_API_URL: meta.whatsappUrl, TELEGRAM_API_URL: telegram.url });
  // The same provider adapters the server builds, writing to this test's log (the job worker reads deps at run time).
  const log = (fields: object, message: string) => void lines.push({ fields: fields as Record<string, unknown>, message });
  h.deps.adapters = new AdapterRegistry(providerAdapters({ ...h.deps, log }), log);
});
afterAll(async () => {
  await h?.close();
  await meta.stop();
  await telegram.stop();
});

describe('provider call logs', () => {
  it('name the channel, message, endpoint, status and duration, and hold neither the token nor the text', async () => {
    const seed = await h.seedTenant();
    const whatsapp = await connectChannel(h, seed, 'whatsapp', { phone_number_id: '106540352242922' }, { access_token: WHATSAPP_TOKEN });
    const telegramChannel = await connectChannel(h, seed, 'telegram', {}, { bot_token: BOT_TOKEN });
    const toWhatsApp = await sendQueued(h, seed.access_token, await conversationWithCustomer(h, seed, 'whatsapp', '+905321234567'), { message: TEXT });
    telegram.refuse('sendMessage', 403, 'Forbidden: bot was blocked by the user', 1);
    const toTelegram = await sendQueued(h, seed.access_token, await conversationWithCustomer(h, seed, 'telegram', '531234567'), { message: TEXT });
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, toWhatsApp)).delivery_status).toBe('sent');
    expect((await deliveryState(h, seed.tenant_id, toTelegram)).failure_reason).toBe('403: Forbidden: bot was blocked by the user');

    const calls = lines.filter((line) => line.message === 'provider call');
    expect(calls.map((line) => [line.fields.channel, line.fields.message, line.fields.provider, line.fields.endpoint, line.fields.status])).toEqual([
      [whatsapp, toWhatsApp, 'whatsapp', 'messages', 200],
      [telegramChannel, toTelegram, 'telegram', 'sendMessage', 403],
    ]);
    for (const line of calls) expect(typeof line.fields.ms).toBe('number');
    const written = JSON.stringify(lines);
    for (const secret of [WHATSAPP_TOKEN, BOT_TOKEN, BOT_TOKEN.split(':')[1]!, TEXT]) expect(written, secret).not.toContain(secret);
  });
});
