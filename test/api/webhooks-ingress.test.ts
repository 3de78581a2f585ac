/**
 * The provider webhooks (docs/channels.md#inbound-webhooks): Meta's handshake, signatures over the raw bytes, routing
 * by account id, store-then-acknowledge (each new event pending with its customer's ordering key), Telegram's secret token,
 * switched-off channels, body limits and shutdown. What the stored events mean: test/unit/inbound-parsers.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { expectError, expectExactJson } from '../support/assertions.js';
import { sql } from '../support/factories.js';
import {
  connectMetaChannel,
  connectTelegramChannel,
  pendingEvents,
  instagramDelivery,
  instagramText,
  metaJson,
  metaSignature,
  postMeta,
  postTelegram,
  storedEvents,
  switchChannel,
  telegramTextUpdate,
  uniqueDigits,
  whatsAppContact,
  whatsAppDelivery,
  whatsAppStatus,
  whatsAppText,
  type MetaConnection,
  type MetaProvider,
} from '../support/webhooks.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const INVALID_SIGNATURE = { error: 'unauthorized', message: 'Invalid webhook signature.' };
const INVALID_SECRET = { error: 'unauthorized', message: 'Invalid webhook secret.' };

async function whatsAppTenant(options: { omit?: string[] } = {}): Promise<{ seed: SeedResult; channelId: number; wa: MetaConnection }> {
  const seed = await h.seedTenant();
  const channelId = seed.channels.whatsapp;
  return { seed, channelId, wa: await connectMetaChannel(h, 'whatsapp', seed.tenant_id, channelId, options) };
}

function wamid(): string {
  return `wamid.HBgM${uniqueDigits(12)}FQIAEhggQTRF`;
}

async function eventCount(): Promise<number> {
  const [row] = await sql(h, 'SELECT count(*)::int AS n FROM inbound_events');
  return Number(row!.n);
}

describe('the verification handshake (GET /webhooks/whatsapp, /webhooks/instagram)', () => {
  for (const provider of ['whatsapp', 'instagram'] as MetaProvider[]) {
    it(`${provider}: answers the challenge, as text, only for a live channel's verify token`, async () => {
      const seed = await h.seedTenant();
      const channelId = provider === 'whatsapp' ? seed.channels.whatsapp : seed.channels.instagram;
      const { verifyToken } = await connectMetaChannel(h, provider, seed.tenant_id, channelId);
      const handshake = (query: string) => h.request({ url: `/webhooks/${provider}?${query}` });

      const ok = await handshake(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain/);
      expect(ok.body).toBe('1158201444');

      for (const query of [
        `hub.mode=subscribe&hub.verify_token=${verifyToken}x&hub.challenge=1158201444`,
        `hub.mode=subscribe&hub.challenge=1158201444`,
        `hub.mode=unsubscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`,
        `hub.mode=subscribe&hub.verify_token=${verifyToken}`,
        `hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.verify_token=${verifyToken}&hub.challenge=1`,
      ]) {
        const refused = await handshake(query);
        expect(refused.status, query).toBe(403);
        expect(refused.headers['content-type']).toMatch(/^text\/plain/);
        expect(refused.body).toBe('Forbidden');
      }

      // The other provider's URL does not know this token; a switched-off channel answers no handshake.
      const other = provider === 'whatsapp' ? 'instagram' : 'whatsapp';
      expect((await h.request({ url: `/webhooks/${other}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=7` })).status).toBe(403);
      await switchChannel(h, seed.tenant_id, channelId, false);
      expect((await handshake(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=7`)).status).toBe(403);
    });
  }
});

describe('POST /webhooks/whatsapp', () => {
  it("counts a channel's new app secret and its switch-off from the next delivery (the channel lookups are cached until a channel write)", async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const send = (secret: string) => postMeta(h, 'whatsapp', whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), secret);
    expect((await send(wa.appSecret)).status).toBe(200);
    expect((await send(wa.appSecret)).status).toBe(200); // served from the cache
    const rotated = await connectMetaChannel(h, 'whatsapp', seed.tenant_id, channelId, { accountId: wa.accountId });
    expectExactJson((await send(wa.appSecret)).json, INVALID_SIGNATURE);
    expect((await send(rotated.appSecret)).status).toBe(200);
    await switchChannel(h, seed.tenant_id, channelId, false);
    expect((await send(rotated.appSecret)).status).toBe(200);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toHaveLength(3);

    const telegramChannel = seed.channels.telegram;
    const telegram = await connectTelegramChannel(h, seed.tenant_id, telegramChannel);
    expect((await postTelegram(h, telegramChannel, telegramTextUpdate(1), telegram.secretToken)).status).toBe(200);
    await switchChannel(h, seed.tenant_id, telegramChannel, false);
    expect((await postTelegram(h, telegramChannel, telegramTextUpdate(2), telegram.secretToken)).status).toBe(200);
    expect((await storedEvents(h, seed.tenant_id, telegramChannel)).map((event) => event.event_key)).toEqual(['update:1']);
  });

  it('stores each message as a pending event with its ordering key, answers {"status":"ok"}, the signature taken over the raw \\u-escaped bytes', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const id = wamid();
    const delivery = whatsAppDelivery(wa.accountId, { contacts: [whatsAppContact()], messages: [whatsAppText(id)] });
    const raw = metaJson(delivery);
    expect(raw).toContain('Ay\\u015fe Y\\u0131lmaz');

    const response = await postMeta(h, 'whatsapp', raw, wa.appSecret);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { status: 'ok' });

    const [event, ...others] = await storedEvents(h, seed.tenant_id, channelId);
    expect(others).toEqual([]);
    expect(event!.provider).toBe('whatsapp');
    expect(event!.event_key).toBe(`message:${id}`);
    expect(new Date(event!.received_at).getTime()).toBe(h.clock.now().getTime());
    expect(event!.payload.contacts).toEqual([{ profile: { name: 'Ayşe Yılmaz' }, wa_id: '905321234567' }]);
    expect(event!.payload.messages[0].text.body).toBe('Merhaba, siparişim nerede?');
    expect(event!.payload.metadata.phone_number_id).toBe(wa.accountId);

    const pending = await pendingEvents(h, seed.tenant_id);
    expect(pending.map((row) => [row.id, row.ordering_key])).toEqual([[event!.id, `inbound:${seed.tenant_id}:${channelId}:+905321234567`]]);
    // The worker's inbound pump processes it.
    await h.drainJobs();
    expect(await pendingEvents(h, seed.tenant_id)).toEqual([]);
  });

  it('refuses a missing, malformed or wrong signature, and one over other bytes, with 401 and stores nothing', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const delivery = whatsAppDelivery(wa.accountId, { contacts: [whatsAppContact()], messages: [whatsAppText(wamid())] });
    const raw = metaJson(delivery);
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    const cases: Record<string, string | null> = {
      missing: null,
      'no prefix': metaSignature(wa.appSecret, raw).slice('sha256='.length),
      'sha1 prefix': `sha1=${metaSignature(wa.appSecret, raw).slice(7)}`,
      'too short': metaSignature(wa.appSecret, raw).slice(0, 60),
      'not hex': `sha256=${'z'.repeat(64)}`,
      'other secret': metaSignature('not-the-app-secret', raw),
      'other bytes (re-serialised JSON)': metaSignature(wa.appSecret, reserialised),
      'another channel': metaSignature('0'.repeat(32), raw),
    };
    for (const [name, signature] of Object.entries(cases)) {
      const response = await postMeta(h, 'whatsapp', raw, wa.appSecret, { signature });
      expect(response.status, name).toBe(401);
      expectExactJson(response.json, INVALID_SIGNATURE);
    }
    // Unsigned and malformed: the signature header is checked first.
    expect((await postMeta(h, 'whatsapp', '{nope', wa.appSecret, { signature: null })).status).toBe(401);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
    expect(await pendingEvents(h, seed.tenant_id)).toEqual([]);
  });

  it('refuses every delivery to a channel without a stored app secret (401)', async () => {
    const { seed, channelId, wa } = await whatsAppTenant({ omit: ['app_secret'] });
    const response = await postMeta(h, 'whatsapp', whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), wa.appSecret);
    expect(response.status).toBe(401);
    expectExactJson(response.json, INVALID_SIGNATURE);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
  });

  it('acknowledges and ignores a delivery for no live channel, or for another object', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const before = await eventCount();
    const ignored = [
      whatsAppDelivery(uniqueDigits(), { messages: [whatsAppText(wamid())] }),
      { ...whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), object: 'page' },
      { object: 'whatsapp_business_account' },
      [1, 2, 3],
      'null',
    ];
    for (const body of ignored) {
      const response = await postMeta(h, 'whatsapp', body, 'any-secret');
      expect(response.status, JSON.stringify(body)).toBe(200);
      expectExactJson(response.json, { status: 'ok' });
    }
    // A switched-off channel is no live channel: its deliveries are acknowledged and dropped.
    await switchChannel(h, seed.tenant_id, channelId, false);
    const off = await postMeta(h, 'whatsapp', whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), wa.appSecret);
    expectExactJson(off.json, { status: 'ok' });
    expect(await eventCount()).toBe(before);
  });

  it('stores a redelivery once', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const delivery = whatsAppDelivery(wa.accountId, { contacts: [whatsAppContact()], messages: [whatsAppText(wamid())] });
    const answers = await Promise.all([1, 2, 3].map(() => postMeta(h, 'whatsapp', delivery, wa.appSecret)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    h.clock.advance(5);
    expect((await postMeta(h, 'whatsapp', delivery, wa.appSecret)).json).toEqual({ status: 'ok' });
    expect(await storedEvents(h, seed.tenant_id, channelId)).toHaveLength(1);
    expect(await pendingEvents(h, seed.tenant_id)).toHaveLength(1);
  });

  it('splits a delivery into one event per message and status, in order, each with the ordering key of its sender', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const [first, second, status] = [wamid(), wamid(), wamid()];
    const delivery = whatsAppDelivery(wa.accountId, {
      contacts: [whatsAppContact('905321234567', 'Ayşe Yılmaz'), whatsAppContact('447700900123', 'John Smith')],
      messages: [whatsAppText(first, 'one'), whatsAppText(second, 'two', '447700900123'), whatsAppText(first, 'one again')],
      statuses: [whatsAppStatus(status, 'delivered'), { ...whatsAppStatus(status, 'failed'), errors: [{ code: 131047, title: 'Re-engagement message' }] }],
    });
    (delivery.entry as any[])[0].changes.push({ field: 'message_template_status_update', value: { event: 'APPROVED' } });
    (delivery.entry as any[])[0].changes[0].value.errors = [{ code: 131000, title: 'Something went wrong' }];
    const response = await postMeta(h, 'whatsapp', delivery, wa.appSecret);
    expect(response.status).toBe(200);

    const events = await storedEvents(h, seed.tenant_id, channelId);
    expect(events.map((event) => event.event_key)).toEqual([`message:${first}`, `message:${second}`, `status:${status}:delivered`, `status:${status}:failed`]);
    expect(events[1]!.payload.contacts).toEqual([{ profile: { name: 'John Smith' }, wa_id: '447700900123' }]);
    expect(events[1]!.payload.messages).toHaveLength(1);
    expect(events[2]!.payload.statuses[0].status).toBe('delivered');
    expect(events[2]!.payload).not.toHaveProperty('messages');

    const pending = await pendingEvents(h, seed.tenant_id);
    expect(pending.map((row) => row.id)).toEqual(events.map((event) => event.id));
    const key = (address: string) => `inbound:${seed.tenant_id}:${channelId}:${address}`;
    expect(pending.map((row) => row.ordering_key)).toEqual([key('+905321234567'), key('+447700900123'), key('+905321234567'), key('+905321234567')]);
  });

  it('routes a delivery naming two channels to both, and needs the signature of each', async () => {
    const one = await whatsAppTenant();
    const two = await whatsAppTenant();
    const message = (connection: MetaConnection) => whatsAppDelivery(connection.accountId, { messages: [whatsAppText(wamid())] });
    const both = { object: 'whatsapp_business_account', entry: [...(message(one.wa).entry as any[]), ...(message(two.wa).entry as any[])] };
    expect((await postMeta(h, 'whatsapp', both, one.wa.appSecret)).status).toBe(401);
    expect((await postMeta(h, 'whatsapp', both, two.wa.appSecret)).status).toBe(401);

    // A secret sealed for another channel does not open here (its associated data names the channel).
    const [sealedForOne] = await sql(h, 'SELECT secrets FROM channels WHERE id = $1', [one.channelId]);
    await sql(h, 'UPDATE channels SET secrets = $3::jsonb WHERE tenant_id = $1 AND id = $2', [
      two.seed.tenant_id,
      two.channelId,
      JSON.stringify(sealedForOne!.secrets),
    ]);
    expect((await postMeta(h, 'whatsapp', both, one.wa.appSecret)).status).toBe(401);

    // One Meta app serving both numbers: one secret verifies for both, and each channel gets its event.
    const shared = await connectMetaChannel(h, 'whatsapp', two.seed.tenant_id, two.channelId, { accountId: two.wa.accountId, appSecret: one.wa.appSecret });
    expect((await postMeta(h, 'whatsapp', both, shared.appSecret)).status).toBe(200);
    expect(await storedEvents(h, one.seed.tenant_id, one.channelId)).toHaveLength(1);
    expect(await storedEvents(h, two.seed.tenant_id, two.channelId)).toHaveLength(1);
  });

  it('follows a changed app secret at once', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const delivery = whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] });
    expect((await postMeta(h, 'whatsapp', delivery, wa.appSecret)).status).toBe(200);
    const rotated = await connectMetaChannel(h, 'whatsapp', seed.tenant_id, channelId, { accountId: wa.accountId });
    const again = whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] });
    expect((await postMeta(h, 'whatsapp', again, wa.appSecret)).status).toBe(401);
    expect((await postMeta(h, 'whatsapp', again, rotated.appSecret)).status).toBe(200);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toHaveLength(2);
  });

  it('answers 400 to malformed JSON and 413 to a body over 1 MiB, in the API envelope, storing nothing', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    for (const body of ['{"object":', '', '\u00ff{}']) {
      const response = await postMeta(h, 'whatsapp', body, wa.appSecret);
      expectError(response, 400, 'invalid_request');
    }
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const notUtf8 = await h.request({
      method: 'POST',
      url: '/webhooks/whatsapp',
      payload: invalidUtf8,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(wa.appSecret, invalidUtf8) },
    });
    expectError(notUtf8, 400, 'invalid_request', 'The request body is not valid UTF-8.');

    const big = metaJson({ ...whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), padding: 'x'.repeat(1_048_576) });
    const tooLarge = await postMeta(h, 'whatsapp', big, wa.appSecret);
    expectError(tooLarge, 413, 'payload_too_large', 'The request body must not be larger than 1 MiB.');
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
  });

  it('takes the body whatever its Content-Type, and stores text PostgreSQL would refuse as replacement characters', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const id = wamid();
    const raw = metaJson(whatsAppDelivery(wa.accountId, { messages: [whatsAppText(id, 'a\u0000b \ud800 c')] }));
    expect(raw).toContain('\\u0000');
    const response = await h.request({
      method: 'POST',
      url: '/webhooks/whatsapp',
      payload: raw,
      headers: { 'content-type': 'text/plain', 'x-hub-signature-256': metaSignature(wa.appSecret, raw) },
    });
    expect(response.status, response.body).toBe(200);
    const [event] = await storedEvents(h, seed.tenant_id, channelId);
    expect(event!.payload.messages[0].text.body).toBe('a\ufffdb \ufffd c');
  });
});

describe('POST /webhooks/instagram', () => {
  it('routes by entry id and stores messages, withdrawals, read receipts and postbacks under their event keys', async () => {
    const seed = await h.seedTenant();
    const channelId = seed.channels.instagram;
    const ig = await connectMetaChannel(h, 'instagram', seed.tenant_id, channelId);
    const sender = '6701234567890123';
    const items = [
      instagramText(ig.accountId, 'mid.one'),
      { ...instagramText(ig.accountId, 'mid.one'), message: { mid: 'mid.one', is_deleted: true } },
      { sender: { id: sender }, recipient: { id: ig.accountId }, timestamp: 1764010801000, read: { mid: 'mid.ours' } },
      {
        sender: { id: sender },
        recipient: { id: ig.accountId },
        timestamp: 1764010802000,
        postback: { mid: 'mid.pb', title: 'Track order', payload: 'TRACK' },
      },
      {
        sender: { id: ig.accountId },
        recipient: { id: '6709999999999999' },
        timestamp: 1764010803000,
        message: { mid: 'mid.echo', text: 'Hi', is_echo: true },
      },
      { sender: { id: sender }, recipient: { id: ig.accountId }, timestamp: 1764010804000, reaction: { mid: 'mid.one', action: 'react', emoji: '❤' } },
    ];
    const response = await postMeta(h, 'instagram', instagramDelivery(ig.accountId, items), ig.appSecret);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { status: 'ok' });

    const events = await storedEvents(h, seed.tenant_id, channelId);
    expect(events.map((event) => event.event_key)).toEqual(['message:mid.one', 'deleted:mid.one', 'read:mid.ours', 'postback:mid.pb', 'message:mid.echo']);
    expect(events.every((event) => event.provider === 'instagram')).toBe(true);
    expect(events[0]!.payload).toEqual(items[0]);
    const pending = await pendingEvents(h, seed.tenant_id);
    const key = (address: string) => `inbound:${seed.tenant_id}:${channelId}:${address}`;
    expect(pending.map((row) => row.ordering_key)).toEqual([key(sender), key(sender), key(sender), key(sender), key('6709999999999999')]);

    // A signature of the WhatsApp kind, for the wrong object or secret, is refused as on WhatsApp.
    expect((await postMeta(h, 'instagram', instagramDelivery(ig.accountId, [instagramText(ig.accountId, 'mid.two')]), 'wrong')).status).toBe(401);
    expect((await postMeta(h, 'instagram', { ...instagramDelivery(ig.accountId, []), object: 'page' }, 'wrong')).status).toBe(200);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toHaveLength(5);
  });
});

describe('POST /webhooks/telegram/{channel_id}', () => {
  it('stores the update under update:<update_id> when the secret token matches', async () => {
    const seed = await h.seedTenant();
    const channelId = seed.channels.telegram;
    const telegram = await connectTelegramChannel(h, seed.tenant_id, channelId);
    const response = await postTelegram(h, channelId, telegramTextUpdate(864201337), telegram.secretToken);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { status: 'ok' });
    // Redelivered: acknowledged, stored once.
    expect((await postTelegram(h, channelId, telegramTextUpdate(864201337), telegram.secretToken)).status).toBe(200);

    const events = await storedEvents(h, seed.tenant_id, channelId);
    expect(events.map((event) => [event.provider, event.event_key])).toEqual([['telegram', 'update:864201337']]);
    expect(events[0]!.payload).toEqual(telegramTextUpdate(864201337));
    const pending = await pendingEvents(h, seed.tenant_id);
    expect(pending.map((row) => [row.id, row.ordering_key])).toEqual([[events[0]!.id, `inbound:${seed.tenant_id}:${channelId}:531234567`]]);
  });

  it('refuses a missing or wrong secret, an unknown channel and a channel of another type with 401, storing nothing', async () => {
    const seed = await h.seedTenant();
    const channelId = seed.channels.telegram;
    const telegram = await connectTelegramChannel(h, seed.tenant_id, channelId);
    const update = telegramTextUpdate(1);
    const refusals = [
      await postTelegram(h, channelId, update, null),
      await postTelegram(h, channelId, update, `${telegram.secretToken}x`),
      await postTelegram(h, channelId, update, telegram.secretToken.slice(1)),
      await postTelegram(h, channelId, update, ''),
      await postTelegram(h, 999_999_999_999, update, telegram.secretToken),
      await postTelegram(h, 'abc', update, telegram.secretToken),
      await postTelegram(h, `0${channelId}`, update, telegram.secretToken),
      await postTelegram(h, seed.channels.whatsapp, update, telegram.secretToken),
    ];
    for (const response of refusals) {
      expect(response.status, response.body).toBe(401);
      expectExactJson(response.json, INVALID_SECRET);
    }
    // A Telegram channel without a secret token accepts no update.
    const bare = await h.seedTenant();
    expect((await postTelegram(h, bare.channels.telegram, update, '')).status).toBe(401);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
  });

  it('on a switched-off channel still checks the secret, then acknowledges and stores nothing', async () => {
    const seed = await h.seedTenant();
    const channelId = seed.channels.telegram;
    const telegram = await connectTelegramChannel(h, seed.tenant_id, channelId);
    await switchChannel(h, seed.tenant_id, channelId, false);
    expectExactJson((await postTelegram(h, channelId, telegramTextUpdate(5), 'wrong')).json, INVALID_SECRET);
    const accepted = await postTelegram(h, channelId, telegramTextUpdate(5), telegram.secretToken);
    expect(accepted.status).toBe(200);
    expectExactJson(accepted.json, { status: 'ok' });
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
  });

  it('stores group updates and other kinds too (processing ignores them), answers 400 to malformed JSON and ignores non-updates', async () => {
    const seed = await h.seedTenant();
    const channelId = seed.channels.telegram;
    const telegram = await connectTelegramChannel(h, seed.tenant_id, channelId);
    expect((await postTelegram(h, channelId, telegramTextUpdate(10, 'hi all', -100123, 'supergroup'), telegram.secretToken)).status).toBe(200);
    expect((await postTelegram(h, channelId, { update_id: 11, callback_query: { id: 'q', data: 'x' } }, telegram.secretToken)).status).toBe(200);
    expectError(await postTelegram(h, channelId, '{"update_id":', telegram.secretToken), 400, 'invalid_request');
    for (const body of ['[]', '{"update_id":"12"}', '{"update_id":-1}', '{}']) {
      expectExactJson((await postTelegram(h, channelId, body, telegram.secretToken)).json, { status: 'ok' });
    }
    const events = await storedEvents(h, seed.tenant_id, channelId);
    expect(events.map((event) => event.event_key)).toEqual(['update:10', 'update:11']);
    expect((await pendingEvents(h, seed.tenant_id)).map((row) => row.ordering_key)).toEqual([null, null]);
  });
});

describe('other methods', () => {
  it('answers 405 with the allowed methods in the API envelope', async () => {
    const telegram = await h.request({ url: '/webhooks/telegram/12' });
    expectError(telegram, 405, 'method_not_allowed');
    expect(telegram.headers.allow).toBe('POST');
    const whatsapp = await h.request({ method: 'PUT', url: '/webhooks/whatsapp', body: {} });
    expectError(whatsapp, 405, 'method_not_allowed');
    expect(String(whatsapp.headers.allow)).toContain('POST');
  });
});

describe('during shutdown', () => {
  it('answers every webhook 503 service_unavailable with Connection: close and stores nothing', async () => {
    const { seed, channelId, wa } = await whatsAppTenant();
    const telegram = await connectTelegramChannel(h, seed.tenant_id, seed.channels.telegram);
    h.deps.lifecycle.shuttingDown = true;
    try {
      const answers = [
        await postMeta(h, 'whatsapp', whatsAppDelivery(wa.accountId, { messages: [whatsAppText(wamid())] }), wa.appSecret),
        await postMeta(h, 'instagram', instagramDelivery(uniqueDigits(), []), 'x'),
        await postTelegram(h, seed.channels.telegram, telegramTextUpdate(77), telegram.secretToken),
      ];
      for (const response of answers) {
        expectError(response, 503, 'service_unavailable');
        expect(response.headers.connection).toBe('close');
      }
    } finally {
      h.deps.lifecycle.shuttingDown = false;
    }
    expect(h.deps.lifecycle.inFlight).toBe(0);
    expect(await storedEvents(h, seed.tenant_id, channelId)).toEqual([]);
    expect(await storedEvents(h, seed.tenant_id, seed.channels.telegram)).toEqual([]);
  });
});
