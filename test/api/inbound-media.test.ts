/**
 * Inbound files (docs/channels.md#processing-inbound-events): the download_media job fetches through each
 * provider's API from the provider stand-ins on 127.0.0.1, stores the bytes and attaches them; a download that keeps failing
 * leaves the message without file and says why. Also Instagram's best-effort profile lookup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { listedMessage } from '../support/requests.js';
import { download } from '../support/media.js';
import { PNG_BYTES } from '../support/multipart.js';
import { applyActions, conversationByKey, inboundText, processAllWith, storeEvent, type ChannelKind } from '../support/inbound.js';
import { FakeMeta, metaError } from '../support/fake-meta.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { sealChannelSecret } from '../../src/modules/channels/channel-secrets.js';
import type { InboundAction, InboundMediaRef } from '../../src/modules/inbound/inbound-event.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
const meta = new FakeMeta();
const telegram = new FakeTelegram();
const VERSION = 'v21.0';
let seed: SeedResult;
let storageDir: string;
let serial = 0;
const TOKENS = { whatsapp: 'wa-access-token-1', instagram: 'ig-access-token-1', telegram: '123456789:AAbbccddeeffgghhiijjkkllmmnnoopp' };

beforeAll(async () => {
  await Promise.all([meta.start(), telegram.start()]);
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbound-media-'));
  h = await createHarness({
    FLEXTELL_STORAGE_DIR: storageDir,
    WHATSAPP_API_URL: meta.whatsappUrl,
    INSTAGRAM_API_URL: meta.instagramUrl,
    TELEGRAM_API_URL: telegram.url,
    META_GRAPH_API_VERSION: VERSION,
  });
  seed = await h.seedTenant();
  const secrets: Record<ChannelKind, Record<string, string>> = {
    whatsapp: { access_token: TOKENS.whatsapp },
    instagram: { access_token: TOKENS.instagram },
    telegram: { bot_token: TOKENS.telegram },
  };
  for (const [type, values] of Object.entries(secrets) as [ChannelKind, Record<string, string>][]) {
    const channelId = seed.channels[type];
    const sealed = Object.fromEntries(
      Object.entries(values).map(([key, value]) => [key, sealChannelSecret(h.deps.box, seed.tenant_id, channelId, key, value)]),
    );
    await sql(h, 'UPDATE channels SET secrets = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, channelId, JSON.stringify(sealed)]);
  }
});
afterAll(async () => {
  await h?.close();
  await Promise.all([meta.stop(), telegram.stop()]);
  fs.rmSync(storageDir, { recursive: true, force: true });
});

function address(type: ChannelKind): string {
  const n = (process.pid % 10000) * 1000 + ++serial;
  return type === 'whatsapp' ? `+90533${String(n).padStart(7, '0')}` : String(6000000 + n);
}

/** Stores an image message with this media reference and returns its conversation and message ids. */
async function imageMessage(type: ChannelKind, media: InboundMediaRef): Promise<{ conversationId: number; messageId: number }> {
  const from = address(type);
  const action = inboundText(from, 'a photo', { messageType: 'image', media });
  await applyActions(h, seed, type, [action]);
  const conversation = (await conversationByKey(h, seed, type, type === 'whatsapp' ? from.slice(1) : from))!;
  const [row] = await sql(h, 'SELECT id, file_id FROM messages WHERE tenant_id = $1 AND provider_message_id = $2', [seed.tenant_id, action.providerMessageId]);
  expect(row!.file_id, 'no file until the job ran').toBeNull();
  return { conversationId: Number(conversation.id), messageId: Number(row!.id) };
}

/** What the stand-ins received since their last reset: endpoint, path and the Authorization header. */
function received(fake: FakeMeta | FakeTelegram): Array<{ endpoint: string; path: string; authorization: string | null }> {
  return fake.requests.map((r) => ({ endpoint: r.endpoint, path: r.path, authorization: r.headers.authorization ?? null }));
}

async function expectAttached(conversationId: number, messageId: number): Promise<void> {
  const listed = await listedMessage(h, seed.access_token, conversationId, messageId);
  expect(listed.file).toMatchObject({ mime_type: 'image/png', size: PNG_BYTES.length });
  const fetched = await download(h, listed.file.temporary_url);
  expect(fetched.status).toBe(200);
  expect(fetched.raw.equals(PNG_BYTES)).toBe(true);
}

describe('download_media', () => {
  it('WhatsApp: looks the media id up and downloads its URL, both with the Bearer token', async () => {
    meta.addMedia('wa-media-1', PNG_BYTES, 'image/png');
    const { conversationId, messageId } = await imageMessage('whatsapp', { source: 'whatsapp', mediaId: 'wa-media-1', mimeType: 'image/png', filename: null });
    meta.reset();
    await h.drainJobs();
    await expectAttached(conversationId, messageId);
    expect(received(meta)).toEqual([
      { endpoint: 'whatsapp:media-info', path: `/${VERSION}/wa-media-1`, authorization: `Bearer ${TOKENS.whatsapp}` },
      { endpoint: 'whatsapp:media-download', path: '/media-download/wa-media-1', authorization: `Bearer ${TOKENS.whatsapp}` },
    ]);
  });

  it('Instagram: fetches the attachment URL without credentials', async () => {
    meta.addAttachment('ig-attachment.png', PNG_BYTES, 'application/octet-stream');
    const { conversationId, messageId } = await imageMessage('instagram', {
      source: 'url',
      url: meta.attachmentUrl('ig-attachment.png'),
      mimeType: null,
      filename: null,
    });
    meta.reset();
    await h.drainJobs();
    await expectAttached(conversationId, messageId);
    expect(received(meta)).toEqual([{ endpoint: 'instagram:attachment', path: '/cdn/ig-attachment.png', authorization: null }]);
  });

  it("Telegram: getFile, then the bot's file URL; the document keeps its file name", async () => {
    telegram.addFile('AgACAgIAAxkBAAIBZ2', 'photos/file_7.png', PNG_BYTES, 'image/png');
    const { conversationId, messageId } = await imageMessage('telegram', {
      source: 'telegram',
      fileId: 'AgACAgIAAxkBAAIBZ2',
      mimeType: null,
      filename: 'label.png',
    });
    telegram.reset();
    await h.drainJobs();
    await expectAttached(conversationId, messageId);
    expect((await listedMessage(h, seed.access_token, conversationId, messageId)).file.name).toBe('label.png');
    expect(received(telegram).map((r) => [r.endpoint, r.path])).toEqual([
      ['telegram:getFile', `/bot${TOKENS.telegram}/getFile?file_id=AgACAgIAAxkBAAIBZ2`],
      ['telegram:file', `/file/bot${TOKENS.telegram}/photos/file_7.png`],
    ]);
  });

  it('retries, and after the last attempt notes media_error and leaves the file null', async () => {
    meta.addMedia('wa-media-broken', PNG_BYTES, 'image/png');
    const { conversationId, messageId } = await imageMessage('whatsapp', {
      source: 'whatsapp',
      mediaId: 'wa-media-broken',
      mimeType: 'image/png',
      filename: null,
    });
    meta.reset();
    meta.script('whatsapp:media-download', ...Array.from({ length: 8 }, () => ({ status: 500, json: metaError(2, 'Internal error') })));
    for (let round = 0; round < 6; round++) {
      await h.drainJobs();
      h.clock.advance(301);
    }
    expect(meta.calls('whatsapp:media-download')).toHaveLength(5);
    const listed = await listedMessage(h, seed.access_token, conversationId, messageId);
    expect(listed.file).toBeNull();
    expect(JSON.parse(listed.metadata).media_error).toBe('The media download answered 500.');
    const [jobs] = await sql(h, "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'download_media'", [seed.tenant_id]);
    expect(jobs!.n).toBe(0);
    expect(JSON.stringify(await sql(h, 'SELECT * FROM jobs'))).not.toContain(TOKENS.telegram);
  });
});

describe('Instagram profile lookup', () => {
  async function runEvent(actions: InboundAction[]): Promise<void> {
    await storeEvent(h, seed, 'instagram', { key: `message:profile-${process.pid}-${++serial}`, payload: {} });
    await processAllWith(h, () => actions);
  }

  async function customerOf(igsid: string) {
    const conversation = (await conversationByKey(h, seed, 'instagram', igsid))!;
    const [customer] = await sql(h, 'SELECT first_name, last_name, avatar_url, metadata FROM customers WHERE tenant_id = $1 AND id = $2', [
      seed.tenant_id,
      conversation.customer_id,
    ]);
    return customer;
  }

  it('fills a new customer from the profile with the Bearer token; a failed lookup changes nothing else', async () => {
    await h.drainJobs();
    const igsid = address('instagram');
    meta.addProfile(igsid, { name: 'Elif Nur Yilmaz', username: 'elif.y', profile_pic: 'https://cdn.example.test/elif.jpg' });
    meta.reset();
    await runEvent([inboundText(igsid, 'Size 42?')]);
    expect(await customerOf(igsid)).toEqual({
      first_name: 'Elif',
      last_name: 'Nur Yilmaz',
      avatar_url: 'https://cdn.example.test/elif.jpg',
      metadata: { username: 'elif.y' },
    });
    expect(received(meta)).toEqual([
      { endpoint: 'instagram:profile', path: `/instagram/${VERSION}/${igsid}?fields=name,username,profile_pic`, authorization: `Bearer ${TOKENS.instagram}` },
    ]);
    meta.reset();
    await runEvent([inboundText(igsid, 'Hello?')]);
    expect(meta.requests, 'a named customer is not looked up again').toEqual([]);

    const unknown = address('instagram');
    await runEvent([inboundText(unknown, 'Hi')]);
    expect(await customerOf(unknown)).toEqual({ first_name: null, last_name: null, avatar_url: null, metadata: {} });
    expect((await conversationByKey(h, seed, 'instagram', unknown))!.message_count).toBe(1);
  });
});
