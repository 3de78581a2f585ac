import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { FakeMeta, metaError } from '../support/fake-meta.js';
import { connectChannel, conversationWithCustomer, deliveryJob, deliveryState, sendQueued } from '../support/outbound.js';
import { download, sendMedia } from '../support/media.js';
import { PNG_BYTES } from '../support/multipart.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** Instagram messaging delivery (docs/jobs-and-delivery.md#adapters) against a Graph API stand-in. */

const ACCOUNT_ID = '17841400000000001';
const IGSID = '1254459154682919';
const TOKEN = 'IGQVJtestTokenForOutbound';

const meta = new FakeMeta();
let h: Harness;
let noPublicUrl: Harness;
let storageDir: string;
beforeAll(async () => {
  await meta.start();
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-ig-'));
  const env = { WHATSAPP_API_URL: meta.whatsappUrl, INSTAGRAM_API_URL: meta.instagramUrl, FLEXTELL_STORAGE_DIR: storageDir };
  h = await createHarness({ ...env, PUBLIC_URL: 'http://127.0.0.1:8080' });
  noPublicUrl = await createHarness(env);
});
afterAll(async () => {
  await h?.close();
  await noPublicUrl?.close();
  await meta.stop();
  fs.rmSync(storageDir, { recursive: true, force: true });
});
beforeEach(() => meta.reset());

async function instagramConversation(harness = h): Promise<{ seed: SeedResult; conversationId: number }> {
  const seed = await harness.seedTenant();
  await connectChannel(harness, seed, 'instagram', { account_id: ACCOUNT_ID }, { access_token: TOKEN, app_secret: 'app-secret', verify_token: 'verify' });
  const conversationId = await conversationWithCustomer(harness, seed, 'instagram', IGSID);
  return { seed, conversationId };
}

describe('Instagram outbound', () => {
  it('sends a text to the IGSID and stores message_id', async () => {
    const { seed, conversationId } = await instagramConversation();
    meta.script('instagram:messages', { status: 200, json: { recipient_id: IGSID, message_id: 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx' } });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Yes, size 42 is in stock.' });
    await h.drainJobs();
    expect(meta.requests).toHaveLength(1);
    const [call] = meta.calls('instagram:messages');
    expect(call!.path).toBe(`/instagram/v21.0/${ACCOUNT_ID}/messages`);
    expect(call!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(call!.body)).toBe(`{"recipient":{"id":"${IGSID}"},"message":{"text":"Yes, size 42 is in stock."}}`);
    expect(await deliveryState(h, seed.tenant_id, messageId)).toEqual({
      delivery_status: 'sent',
      provider_message_id: 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx',
      failure_reason: null,
    });
  });

  it('sends a file by signed link and its caption as a second text message', async () => {
    const { seed, conversationId } = await instagramConversation();
    const response = await sendMedia(h, { seed, token: seed.access_token, conversationId }, [
      { name: 'file', filename: 'shoe.png', contentType: 'image/png', data: PNG_BYTES },
      { name: 'message', data: 'The blue one' },
    ]);
    expect(response.status, response.body).toBe(200);
    await h.drainJobs();
    const [attachment, caption] = meta.calls('instagram:messages');
    expect(meta.calls('instagram:messages')).toHaveLength(2);
    const body = attachment!.body as { recipient: unknown; message: { attachment: { type: string; payload: { url: string } } } };
    expect(Object.keys(body)).toEqual(['recipient', 'message']);
    expect(body.recipient).toEqual({ id: IGSID });
    expect(body.message.attachment.type).toBe('image');
    const url = body.message.attachment.payload.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/api\/v1\/files\/\d+\/content\?t=\d+&expires=\d+&signature=[0-9a-f]{64}$/);
    // The link Instagram fetches really serves the bytes, without a token.
    const fetched = await download(h, url);
    expect(fetched.status).toBe(200);
    expect(fetched.raw.equals(PNG_BYTES)).toBe(true);
    expect(JSON.stringify(caption!.body)).toBe(`{"recipient":{"id":"${IGSID}"},"message":{"text":"The blue one"}}`);
    const state = await deliveryState(h, seed.tenant_id, Number(response.json.data.message_id));
    expect(state.delivery_status).toBe('sent');
    expect(state.provider_message_id).toMatch(/^aWdfZAG1/);
  });

  it('fails a file without PUBLIC_URL, calling nothing', async () => {
    const { seed, conversationId } = await instagramConversation(noPublicUrl);
    const response = await sendMedia(noPublicUrl, { seed, token: seed.access_token, conversationId }, [
      { name: 'file', filename: 'shoe.png', contentType: 'image/png', data: PNG_BYTES },
    ]);
    expect(response.status, response.body).toBe(200);
    await noPublicUrl.drainJobs();
    expect(meta.requests).toHaveLength(0);
    expect(await deliveryState(noPublicUrl, seed.tenant_id, Number(response.json.data.message_id))).toEqual({
      delivery_status: 'failed',
      provider_message_id: null,
      failure_reason: 'PUBLIC_URL must be set to send files to Instagram.',
    });
  });

  it("fails a 400 with Meta's reason and prefixes code 190", async () => {
    const { seed, conversationId } = await instagramConversation();
    meta.script('instagram:messages', { status: 400, json: metaError(10, 'This message is sent outside of allowed window.') });
    meta.script('instagram:messages', { status: 400, json: metaError(190, 'Invalid OAuth access token - Cannot parse access token') });
    const first = await sendQueued(h, seed.access_token, conversationId, { message: 'First' });
    await h.drainJobs();
    const second = await sendQueued(h, seed.access_token, conversationId, { message: 'Second' });
    await h.drainJobs();
    expect((await deliveryState(h, seed.tenant_id, first)).failure_reason).toBe('10: This message is sent outside of allowed window.');
    expect((await deliveryState(h, seed.tenant_id, second)).failure_reason).toBe(
      'The provider rejected the channel credentials: 190: Invalid OAuth access token - Cannot parse access token',
    );
    expect(meta.calls('instagram:messages')).toHaveLength(2);
  });

  it('retries a 500, then sends once', async () => {
    const { seed, conversationId } = await instagramConversation();
    meta.script('instagram:messages', { status: 500, json: metaError(2, 'An unexpected error has occurred. Please retry your request later.') });
    const messageId = await sendQueued(h, seed.access_token, conversationId, { message: 'Retry me' });
    await h.drainJobs();
    expect(await deliveryJob(h, messageId)).toMatchObject({ attempts: 1, status: 'pending' });
    h.clock.advance(2);
    await h.drainJobs();
    expect(meta.calls('instagram:messages')).toHaveLength(2);
    expect((await deliveryState(h, seed.tenant_id, messageId)).delivery_status).toBe('sent');
  });
});
