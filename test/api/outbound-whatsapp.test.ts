import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { FakeMeta, metaError, type RecordedFile } from '../support/fake-meta.js';
import { connectChannel, conversationWithCustomer, deliveryJob, deliveryState, sendQueued, setProviderId } from '../support/outbound.js';
import { insertMessage } from '../support/factories.js';
import { sendMedia } from '../support/media.js';
import { PNG_BYTES } from '../support/multipart.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** WhatsApp Cloud API delivery (docs/jobs-and-delivery.md#adapters) against a Graph API stand-in. */

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAABtestTokenForOutbound';
const SUCCESS = {
  messaging_product: 'whatsapp',
  contacts: [{ input: '905321234567', wa_id: '905321234567' }],
  messages: [{ id: 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjQ5' }],
};

const meta = new FakeMeta();
let h: Harness;
let storageDir: string;
beforeAll(async () => {
  await meta.start();
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-wa-'));
  h = await createHarness({ WHATSAPP_API_URL: meta.whatsappUrl, INSTAGRAM_API_URL: meta.instagramUrl, FLEXTELL_STORAGE_DIR: storageDir });
});
afterAll(async () => {
  await h?.close();
  await meta.stop();
  fs.rmSync(storageDir, { recursive: true, force: true });
});
beforeEach(() => meta.reset());

/** A new tenant whose WhatsApp channel has credentials, and a conversation with +90 532 123 45 67 inside its window. */
async function whatsappConversation(): Promise<{ seed: SeedResult; conversationId: number }> {
  const seed = await h.seedTenant();
  await connectChannel(h, seed, 'whatsapp', { phone_number_id: PHONE_NUMBER_ID }, { access_token: TOKEN, app_secret: 'app-secret', verify_token: 'verify' });
  const conversationId = await conversationWithCustomer(h, seed, 'whatsapp', '+905321234567');
  return { seed, conversationId };
}

describe('WhatsApp outbound', () => {
  it('sends a text with the exact Cloud API request and stores the wamid', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 200, json: SUCCESS });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Your order ships tomorrow.' });
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('queued');
    await h.drainJobs();
    const [call] = meta.calls('whatsapp:messages');
    expect(meta.requests).toHaveLength(1);
    expect(call!.method).toBe('POST');
    expect(call!.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(call!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(JSON.stringify(call!.body)).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"905321234567","type":"text","text":{"preview_url":false,"body":"Your order ships tomorrow."}}',
    );
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'sent',
      provider_message_id: 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjQ5',
      failure_reason: null,
    });
    expect(await deliveryJob(h, messageId)).toBeNull();
  });

  it('adds context.message_id when quoting a WhatsApp message', async () => {
    const { seed, conversationId } = await whatsappConversation();
    const quoted = await insertMessage(h, seed.tenant_id, conversationId, { text: 'Where is my order?' });
    await setProviderId(h, seed.tenant_id, quoted, 'wamid.HBgMquotedCustomerMessage');
    await sendQueued(h, seed.access_token, conversationId, { message: 'Your order ships tomorrow.', quoted_message_id: quoted });
    await h.drainJobs();
    const [call] = meta.calls('whatsapp:messages');
    expect(JSON.stringify(call!.body)).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"905321234567","type":"text",' +
        '"text":{"preview_url":false,"body":"Your order ships tomorrow."},"context":{"message_id":"wamid.HBgMquotedCustomerMessage"}}',
    );
  });

  it('uploads an image to /media and sends it by media id with the caption', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:media', { status: 200, json: { id: '1037543291543636' } });
    const response = await sendMedia(h, { seed, token: seed.access_token, conversationId }, [
      { name: 'file', filename: 'return-label.png', contentType: 'image/png', data: PNG_BYTES },
      { name: 'message', data: 'Your return label' },
    ]);
    expect(response.status, response.body).toBe(200);
    await h.drainJobs();
    expect(meta.requests.map((request) => request.endpoint)).toEqual(['whatsapp:media', 'whatsapp:messages']);
    const [upload] = meta.calls('whatsapp:media');
    expect(upload!.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/media`);
    expect(upload!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(String(upload!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const fields = upload!.body as Record<string, string | RecordedFile>;
    expect(fields.messaging_product).toBe('whatsapp');
    expect(fields.type).toBe('image/png');
    const file = fields.file as RecordedFile;
    expect({ filename: file.filename, type: file.type }).toEqual({ filename: 'return-label.png', type: 'image/png' });
    expect(file.bytes.equals(PNG_BYTES)).toBe(true);
    const [send] = meta.calls('whatsapp:messages');
    expect(JSON.stringify(send!.body)).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"905321234567","type":"image","image":{"id":"1037543291543636","caption":"Your return label"}}',
    );
    const messageId = Number(response.json.data.message_id);
    expect((await deliveryState(h, seed.tenant_id, messageId)).provider_message_id).toMatch(/^wamid\./);
  });

  it('sends other files as a document with its filename', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:media', { status: 200, json: { id: '2048' } });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const response = await sendMedia(h, { seed, token: seed.access_token, conversationId }, [
      { name: 'file', filename: 'invoice.pdf', contentType: 'application/pdf', data: pdf },
    ]);
    expect(response.status, response.body).toBe(200);
    await h.drainJobs();
    const fields = meta.calls('whatsapp:media')[0]!.body as Record<string, string | RecordedFile>;
    expect(fields.type).toBe('application/pdf');
    const [send] = meta.calls('whatsapp:messages');
    expect(JSON.stringify(send!.body)).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"905321234567","type":"document","document":{"id":"2048","filename":"invoice.pdf"}}',
    );
  });

  it('retries a 500 after the backoff and then sends exactly once', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 500, json: metaError(1, 'An unknown error occurred') });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Once only' });
    await h.drainJobs();
    const job = await deliveryJob(h, messageId);
    // Full jitter is pinned to its ceiling in the harness: attempt 1 → 2 s.
    expect(job).toMatchObject({ attempts: 1, status: 'pending', last_error: '1: An unknown error occurred' });
    expect(job!.run_at.getTime()).toBe(h.clock.now().getTime() + 2000);
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('queued');
    h.clock.advance(1);
    await h.drainJobs();
    expect(meta.calls('whatsapp:messages')).toHaveLength(1);
    h.clock.advance(1);
    await h.drainJobs();
    await h.drainJobs();
    expect(meta.calls('whatsapp:messages')).toHaveLength(2);
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
    expect(await deliveryJob(h, messageId)).toBeNull();
  });

  it('waits for Retry-After on a 429 before the next attempt', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 429, json: metaError(130429, 'Rate limit hit'), headers: { 'Retry-After': '37' } });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Throttled' });
    const sentAt = h.clock.now().getTime();
    await h.drainJobs();
    expect((await deliveryJob(h, messageId))!.run_at.getTime()).toBe(sentAt + 37_000);
    h.clock.advance(36);
    await h.drainJobs();
    expect(meta.calls('whatsapp:messages')).toHaveLength(1);
    h.clock.advance(1);
    await h.drainJobs();
    expect(meta.calls('whatsapp:messages')).toHaveLength(2);
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });

  it("retries Meta's throttling codes even on HTTP 400", async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 400, json: metaError(131056, '(Business Account, Consumer Account) pair rate limit hit') });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Pair limit' });
    await h.drainJobs();
    expect(await deliveryJob(h, messageId)).toMatchObject({
      attempts: 1,
      status: 'pending',
      last_error: '131056: (Business Account, Consumer Account) pair rate limit hit',
    });
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('queued');
    h.clock.advance(2);
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });

  it("fails a 400 at once with Meta's reason, without retrying", async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 400, json: metaError(131047, 'Re-engagement message') });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Too late' });
    await h.drainJobs();
    h.clock.advance(600);
    await h.drainJobs();
    expect(meta.calls('whatsapp:messages').filter((call) => JSON.stringify(call.body).includes('Too late'))).toHaveLength(1);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'failed',
      provider_message_id: null,
      failure_reason: '131047: Re-engagement message',
    });
    expect(await deliveryJob(h, messageId)).toBeNull();
  });

  it('prefixes an authentication failure (code 190, HTTP 401)', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', { status: 401, json: metaError(190, 'Error validating access token: Session has expired.') });
    meta.script('whatsapp:messages', { status: 400, json: metaError(190, 'Invalid OAuth access token.') });
    const first = await sendQueued(h, seed.access_token, conversationId, { message: 'One' });
    await h.drainJobs();
    const second = await sendQueued(h, seed.access_token, conversationId, { message: 'Two' });
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, first)).failure_reason).toBe(
      'The provider rejected the channel credentials: 190: Error validating access token: Session has expired.',
    );
    expect((await deliveryState(h, seed.tenant_id, second)).failure_reason).toBe(
      'The provider rejected the channel credentials: 190: Invalid OAuth access token.',
    );
  });

  it('fails with "Provider unavailable after 8 attempts" after eight transient failures', async () => {
    const { seed, conversationId } = await whatsappConversation();
    meta.script('whatsapp:messages', ...Array.from({ length: 8 }, () => ({ status: 503, text: '<html>upstream unavailable</html>' })));
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Never arrives' });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      await h.drainJobs();
      const job = await deliveryJob(h, messageId);
      if (job) {
        delays.push((job.run_at.getTime() - h.clock.now().getTime()) / 1000);
        h.clock.advance(300);
      }
    }
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128]);
    expect(meta.calls('whatsapp:messages')).toHaveLength(8);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'failed',
      provider_message_id: null,
      failure_reason: 'Provider unavailable after 8 attempts: 503: Service Unavailable',
    });
    expect(await deliveryJob(h, messageId)).toBeNull();
  });

  it('never calls the provider again for a message that already has a provider id', async () => {
    const { seed, conversationId } = await whatsappConversation();
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Already out' });
    // As after a crash between the provider's answer and … a retried job that finds the id stops.
    await setProviderId(h, seed.tenant_id, messageId, 'wamid.alreadySent');
    await h.drainJobs();
    expect(meta.requests).toHaveLength(0);
    expect(await deliveryJob(h, messageId)).toBeNull();
    expect((await deliveryState(h, seed.tenant_id, messageId)).provider_message_id).toBe('wamid.alreadySent');
  });
});
