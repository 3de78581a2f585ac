import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { FakeTelegram, telegramError, type RecordedFile } from '../support/fake-telegram.js';
import { connectChannel, conversationWithCustomer, deliveryJob, deliveryState, sendQueued, setProviderId } from '../support/outbound.js';
import { insertMessage } from '../support/factories.js';
import { sendMedia } from '../support/media.js';
import { PNG_BYTES } from '../support/multipart.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** Telegram Bot API delivery (docs/jobs-and-delivery.md#adapters) against a Bot API stand-in. */

const BOT_TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT_ID = '531234567';

const telegram = new FakeTelegram();
let h: Harness;
let storageDir: string;
beforeAll(async () => {
  await telegram.start();
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-tg-'));
  h = await createHarness({ TELEGRAM_API_URL: telegram.url, FLEXTELL_STORAGE_DIR: storageDir, PROVIDER_TIMEOUT_MS: '500' });
});
afterAll(async () => {
  await h?.close();
  await telegram.stop();
  fs.rmSync(storageDir, { recursive: true, force: true });
});
beforeEach(() => telegram.reset());

async function telegramConversation(): Promise<{ seed: SeedResult; conversationId: number }> {
  const seed = await h.seedTenant();
  await connectChannel(h, seed, 'telegram', {}, { bot_token: BOT_TOKEN, secret_token: 'webhook-secret' });
  const conversationId = await conversationWithCustomer(h, seed, 'telegram', CHAT_ID);
  return { seed, conversationId };
}

describe('Telegram outbound', () => {
  it('sends a text with sendMessage and stores <chat id>:<result.message_id> (Telegram numbers messages per chat)', async () => {
    const { seed, conversationId } = await telegramConversation();
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Your parcel left the warehouse.' });
    await h.drainJobs();
    expect(telegram.requests).toHaveLength(1);
    const [call] = telegram.calls('telegram:sendMessage');
    expect(call!.method).toBe('POST');
    expect(call!.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    expect(JSON.stringify(call!.body)).toBe(`{"chat_id":531234567,"text":"Your parcel left the warehouse."}`);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({ delivery_status: 'sent', provider_message_id: '531234567:101', failure_reason: null });
  });

  it('quotes a Telegram message with reply_parameters', async () => {
    const { seed, conversationId } = await telegramConversation();
    const quoted = await insertMessage(h, seed.tenant_id, conversationId, { text: 'Where is it?' });
    // Stored as inbound Telegram ids are: <chat id>:<message_id>.
    await setProviderId(h, seed.tenant_id, quoted, '531234567:4711');
    await sendQueued(h, seed.access_token, conversationId, { message: 'On its way.', quoted_message_id: quoted });
    await h.drainJobs();
    expect(JSON.stringify(telegram.calls('telegram:sendMessage')[0]!.body)).toBe(
      '{"chat_id":531234567,"text":"On its way.","reply_parameters":{"message_id":4711}}',
    );
  });

  it('splits a text over 4096 characters into several messages and keeps the first id', async () => {
    const { seed, conversationId } = await telegramConversation();
    // The API takes up to 5000 characters; a space near the limit is where the first piece ends.
    const text = 'a'.repeat(3000) + ' ' + 'b'.repeat(1500) + ' ' + 'c'.repeat(400);
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: text });
    await h.drainJobs();
    const bodies = telegram.calls('telegram:sendMessage').map((call) => call.body as { chat_id: number; text: string });
    expect(bodies.map((body) => body.text)).toEqual(['a'.repeat(3000) + ' ', 'b'.repeat(1500) + ' ' + 'c'.repeat(400)]);
    expect(bodies.every((body) => body.chat_id === 531234567)).toBe(true);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'sent',
      provider_message_id: expect.stringMatching(/^531234567:\d+$/),
      failure_reason: null,
    });
  });

  it('sends an image with sendPhoto and another file with sendDocument, the text as caption', async () => {
    const { seed, conversationId } = await telegramConversation();
    const target = { seed, token: seed.access_token, conversationId };
    const photo = await sendMedia(h, target, [
      { name: 'file', filename: 'label.png', contentType: 'image/png', data: PNG_BYTES },
      { name: 'message', data: 'Your label' },
    ]);
    expect(photo.status, photo.body).toBe(200);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const document = await sendMedia(h, target, [{ name: 'file', filename: 'invoice.pdf', contentType: 'application/pdf', data: pdf }]);
    expect(document.status, document.body).toBe(200);
    await h.drainJobs();
    const [sentPhoto] = telegram.calls('telegram:sendPhoto');
    expect(sentPhoto!.path).toBe(`/bot${BOT_TOKEN}/sendPhoto`);
    expect(String(sentPhoto!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const photoFields = sentPhoto!.body as Record<string, string | RecordedFile>;
    expect(Object.keys(photoFields)).toEqual(['chat_id', 'photo', 'caption']);
    expect(photoFields.chat_id).toBe(CHAT_ID);
    expect(photoFields.caption).toBe('Your label');
    expect((photoFields.photo as RecordedFile).bytes.equals(PNG_BYTES)).toBe(true);
    expect((photoFields.photo as RecordedFile).filename).toBe('label.png');
    const [sentDocument] = telegram.calls('telegram:sendDocument');
    const documentFields = sentDocument!.body as Record<string, string | RecordedFile>;
    expect(Object.keys(documentFields)).toEqual(['chat_id', 'document']);
    expect((documentFields.document as RecordedFile).filename).toBe('invoice.pdf');
    expect((documentFields.document as RecordedFile).bytes.equals(pdf)).toBe(true);
    expect((await deliveryState(h, seed.tenant_id, Number(document.json.data.message_id))).delivery_status).toBe('sent');
  });

  it("fails a 403 at once with Telegram's reason", async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', telegramError(403, 'Forbidden: bot was blocked by the user'));
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Blocked' });
    await h.drainJobs();
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'failed',
      provider_message_id: null,
      failure_reason: '403: Forbidden: bot was blocked by the user',
    });
    expect(await deliveryJob(h, messageId)).toBeNull();
    expect(telegram.requests).toHaveLength(1);
  });

  it('prefixes a 401', async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', telegramError(401, 'Unauthorized'));
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Bad token' });
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, messageId)).failure_reason).toBe('The provider rejected the channel credentials: 401: Unauthorized');
  });

  it('honours parameters.retry_after of a 429', async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', telegramError(429, 'Too Many Requests: retry after 23', { retry_after: 23 }));
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Flood' });
    const sentAt = h.clock.now().getTime();
    await h.drainJobs();
    expect(await deliveryJob(h, messageId)).toMatchObject({ attempts: 1, last_error: '429: Too Many Requests: retry after 23' });
    expect((await deliveryJob(h, messageId))!.run_at.getTime()).toBe(sentAt + 23_000);
    h.clock.advance(22);
    await h.drainJobs();
    expect(telegram.requests).toHaveLength(1);
    h.clock.advance(1);
    await h.drainJobs();
    expect(telegram.requests).toHaveLength(2);
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });

  it('caps a Retry-After above five minutes at 300 s', async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', telegramError(429, 'Too Many Requests: retry after 3600', { retry_after: 3600 }));
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Long wait' });
    const sentAt = h.clock.now().getTime();
    await h.drainJobs();
    expect((await deliveryJob(h, messageId))!.run_at.getTime()).toBe(sentAt + 300_000);
    h.clock.advance(300);
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });

  it('retries a dropped connection and a timeout', async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', { hangUp: true }, { delayMs: 1500 });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Flaky network' });
    await h.drainJobs();
    expect((await deliveryJob(h, messageId))!.last_error).toMatch(/^Network error: /);
    h.clock.advance(2);
    await h.drainJobs();
    expect(await deliveryJob(h, messageId)).toMatchObject({ attempts: 2, last_error: 'Timeout: no answer within 500 ms' });
    h.clock.advance(4);
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });

  it('fails a split text whose later part is refused, without sending the first part again', async () => {
    const { seed, conversationId } = await telegramConversation();
    telegram.script('telegram:sendMessage', {}, { status: 500, json: { ok: false, error_code: 500, description: 'Internal Server Error' } });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'x'.repeat(5000) });
    await h.drainJobs();
    h.clock.advance(300);
    await h.drainJobs();
    expect(telegram.calls('telegram:sendMessage')).toHaveLength(2);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'failed',
      provider_message_id: null,
      failure_reason: 'Only 1 of 2 parts were sent: 500: Internal Server Error',
    });
  });
});
