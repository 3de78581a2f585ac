/**
 * POST /api/v1/conversations (docs/domain-rules.md#conversations; bodies per docs/input.md#body-transport).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { CONVERSATION_KEYS } from '../support/shapes.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { listConversations, postConversation } from '../support/requests.js';
import { sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const total = async (seed: SeedResult) => (await listConversations(h, seed)).json.meta.total as number;
const customerCount = async (seed: SeedResult) =>
  Number((await sql(h, 'SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1', [seed.tenant_id]))[0]!.n);

function post(seed: SeedResult, options: { payload?: string | Buffer; headers?: Record<string, string> }) {
  return h.request({ method: 'POST', url: '/api/v1/conversations', token: seed.access_token, ...options });
}

describe('create or find', () => {
  it('answers 201 with the created conversation, then 200 with the same one', async () => {
    const seed = await h.seedTenant({ conversations: 3 });
    const body = { channel_id: seed.channels.website, address: 'visitor-42', first_name: 'Ada', last_name: 'Lovelace' };
    const first = await postConversation(h, seed, body);
    expect(first.status, first.body).toBe(201);
    expect(Object.keys(first.json)).toEqual(['success', 'data']);
    expect(first.json.success).toBe('Conversation created successfully.');
    expect(Object.keys(first.json.data)).toEqual(CONVERSATION_KEYS);
    expect(first.json.data).toMatchObject({ display_name: 'Ada Lovelace', address: 'visitor-42', last_message_id: null, unread_count: '0', blacklist: null });
    expect(first.json.data.customer).toEqual({
      id: first.json.data.customer.id,
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone_number: null,
      avatar_url: null,
    });
    expect(first.json.data.channel).toMatchObject({ id: seed.channels.website, type: 'website' });
    expect(await total(seed)).toBe(4);

    const second = await postConversation(h, seed, { ...body, address: '  visitor-42 ', first_name: 'Other' });
    expect(second.status).toBe(200);
    expect(Object.keys(second.json)).toEqual(['success', 'data']);
    expect(second.json.success).toBe('Conversation retrieved successfully.');
    expect(second.json.data).toEqual(first.json.data);
    expect(await total(seed)).toBe(4);
    // Exact comparison off WhatsApp: another spelling is another conversation.
    const other = await postConversation(h, seed, { channel_id: seed.channels.website, address: 'Visitor-42' });
    expect(other.status).toBe(201);
    const sameAddressOtherChannel = await postConversation(h, seed, { channel_id: seed.channels.telegram, address: 'visitor-42' });
    expect(sameAddressOtherChannel.status).toBe(201);
    expect(await total(seed)).toBe(6);
  });

  it('on WhatsApp compares addresses by their digits and keeps the address as first posted', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const wa = seed.channels.whatsapp;
    const first = await postConversation(h, seed, { channel_id: wa, address: '+90 532 123 45 67' });
    expect(first.status).toBe(201);
    expect(first.json.data.address).toBe('+90 532 123 45 67');
    for (const address of ['905321234567', '+905321234567', '+90-532-123-45-67', '(90) 532 123 4567']) {
      const again = await postConversation(h, seed, { channel_id: wa, address });
      expect(again.status, address).toBe(200);
      expect(again.json.data.id, address).toBe(first.json.data.id);
      expect(again.json.data.address, address).toBe('+90 532 123 45 67');
    }
    expect(await total(seed)).toBe(1);
    // Telegram compares exactly.
    expect((await postConversation(h, seed, { channel_id: seed.channels.telegram, address: '905321234567' })).status).toBe(201);
    expect((await postConversation(h, seed, { channel_id: seed.channels.telegram, address: '+905321234567' })).status).toBe(201);
  });

  it('reuses the live customer with the normalised phone on WhatsApp, filling only null names', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const [customer] = await sql(
      h,
      `INSERT INTO customers (tenant_id, first_name, last_name, phone_number) VALUES ($1, NULL, 'Demir', '+905321234567') RETURNING id`,
      [seed.tenant_id],
    );
    await sql(h, `INSERT INTO customers (tenant_id, first_name, phone_number, deleted_at) VALUES ($1, 'Deleted', '+905559998877', now())`, [seed.tenant_id]);
    const before = await customerCount(seed);
    const response = await postConversation(h, seed, {
      channel_id: seed.channels.whatsapp,
      address: '0090 532 123 45 67',
      first_name: 'Elif',
      last_name: 'Other',
    });
    expect(response.status, response.body).toBe(201);
    expect(response.json.data.customer).toEqual({
      id: Number(customer!.id),
      first_name: 'Elif',
      last_name: 'Demir',
      phone_number: '+905321234567',
      avatar_url: null,
    });
    expect(response.json.data.display_name).toBe('Elif Demir');
    expect(await customerCount(seed)).toBe(before);
    // A soft-deleted customer is not reused.
    const fresh = await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address: '905559998877' });
    expect(fresh.status).toBe(201);
    expect(fresh.json.data.customer.first_name).toBeNull();
    expect(fresh.json.data.customer.phone_number).toBe('+905559998877');
    expect(await customerCount(seed)).toBe(before + 1);
  });

  it('gives a new customer an E.164 phone on WhatsApp and none on other channels', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const cases: Array<[number, string, string | null]> = [
      [seed.channels.whatsapp, '905321234567', '+905321234567'],
      [seed.channels.whatsapp, '+1 (555) 010-4477', '+15550104477'],
      [seed.channels.whatsapp, 'wa-user-abc', null],
      [seed.channels.telegram, '905321234568', null],
      [seed.channels.instagram, '905321234569', null],
      [seed.channels.website, '+905321234560', null],
    ];
    for (const [channel, address, phone] of cases) {
      const response = await postConversation(h, seed, { channel_id: channel, address });
      expect(response.status, `${address}: ${response.body}`).toBe(201);
      expect(response.json.data.customer.phone_number, address).toBe(phone);
      expect([response.json.data.customer.first_name, response.json.data.customer.last_name]).toEqual([null, null]);
    }
  });

  it('on WhatsApp, an address that is not a possible number keeps the compacted text of docs/domain-rules.md#customers (first step) as phone', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const cases: Array<[string, string]> = [
      ['12 34', '1234'],
      ['0532 123 45 67', '05321234567'],
    ];
    for (const [address, phone] of cases) {
      const response = await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address });
      expect(response.status, response.body).toBe(201);
      expect(response.json.data.address).toBe(address);
      expect.soft(response.json.data.customer.phone_number, address).toBe(phone);
    }
  });

  it('works on a channel that is switched off', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.instagram]);
    const response = await postConversation(h, seed, { channel_id: seed.channels.instagram, address: '17841000000123' });
    expect(response.status, response.body).toBe(201);
    expect(response.json.data.channel).toMatchObject({ id: seed.channels.instagram, type: 'instagram' });
  });

  it('concurrent POSTs for one address create one conversation', async () => {
    const seed = await h.seedTenant({ conversations: 2 });
    const body = { channel_id: seed.channels.website, address: 'race-visitor' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => postConversation(h, seed, body)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.json.data.id)).size).toBe(1);
    expect(await total(seed)).toBe(3);
    // Different spellings of one WhatsApp number race too.
    const spellings = ['+90 532 000 11 22', '905320001122', '+905320001122', '90 532 000 1122', '+90-532-000-11-22'];
    const raced = await Promise.all([...spellings, ...spellings].map((address) => postConversation(h, seed, { channel_id: seed.channels.whatsapp, address })));
    expect(raced.filter((r) => r.status === 201)).toHaveLength(1);
    expect(raced.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(raced.map((r) => r.json.data.id)).size).toBe(1);
    expect(await total(seed)).toBe(4);
    const phones = await sql(h, `SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND phone_number = '+905320001122'`, [seed.tenant_id]);
    expect(phones[0]!.n).toBe(1);
  });
});

describe('validation (422)', () => {
  it('answers every documented message with the exact body and stores nothing', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const other = await h.seedTenant({ conversations: 0 });
    const web = seed.channels.website;
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ address: 'x' }, { channel_id: ['The channel id field is required.'] }],
      [{ channel_id: null, address: 'x' }, { channel_id: ['The channel id field is required.'] }],
      [{ channel_id: 'abc', address: 'x' }, { channel_id: ['The channel id field must be an integer.'] }],
      [{ channel_id: 1.5, address: 'x' }, { channel_id: ['The channel id field must be an integer.'] }],
      [{ channel_id: true, address: 'x' }, { channel_id: ['The channel id field must be an integer.'] }],
      [{ channel_id: 0, address: 'x' }, { channel_id: ['The channel id field must be at least 1.'] }],
      [{ channel_id: 999999999, address: 'x' }, { channel_id: ['The selected channel id is invalid.'] }],
      [{ channel_id: other.channels.website, address: 'x' }, { channel_id: ['The selected channel id is invalid.'] }],
      [{ channel_id: web }, { address: ['The address field is required.'] }],
      [{ channel_id: web, address: '   ' }, { address: ['The address field is required.'] }],
      [{ channel_id: web, address: 42 }, { address: ['The address field must be a string.'] }],
      [{ channel_id: web, address: 'a'.repeat(256) }, { address: ['The address field must not be greater than 255 characters.'] }],
      [{ channel_id: web, address: 'x', first_name: 'é'.repeat(256) }, { first_name: ['The first name field must not be greater than 255 characters.'] }],
      [{ channel_id: web, address: 'x', last_name: 'b'.repeat(256) }, { last_name: ['The last name field must not be greater than 255 characters.'] }],
      [{}, { channel_id: ['The channel id field is required.'], address: ['The address field is required.'] }],
      [
        { channel_id: 'abc', address: '', first_name: 'x'.repeat(300) },
        {
          channel_id: ['The channel id field must be an integer.'],
          address: ['The address field is required.'],
          first_name: ['The first name field must not be greater than 255 characters.'],
        },
      ],
    ];
    for (const [body, errors] of cases) {
      expectValidationError(await postConversation(h, seed, body), errors);
    }
    expect(await total(seed)).toBe(1);
    expect(await total(other)).toBe(0);
  });

  it('accepts 255 code points and integer strings', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const long = await postConversation(h, seed, { channel_id: String(seed.channels.website), address: '😀'.repeat(255), first_name: 'é'.repeat(255) });
    expect(long.status, long.body).toBe(201);
    expect(long.json.data.address).toBe('😀'.repeat(255));
    const plus = await postConversation(h, seed, { channel_id: `+${seed.channels.telegram}`, address: '@x', unknown_field: [1, 2] });
    expect(plus.status, plus.body).toBe(201);
    expect(plus.json.data.channel.id).toBe(seed.channels.telegram);
    expect(Object.keys(plus.json.data)).toEqual(CONVERSATION_KEYS);
  });
});

describe('input normalisation', () => {
  it('trims PHP whitespace (incl. NUL and VT) but not NBSP, lets the last duplicate key win, serves a trailing slash', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const web = seed.channels.website;
    const trimmed = await postConversation(h, seed, { channel_id: web, address: '\u0000\t v-trim \n\u000B', first_name: ' \r Ada\u0000' });
    expect(trimmed.status, trimmed.body).toBe(201);
    expect([trimmed.json.data.address, trimmed.json.data.customer.first_name]).toEqual(['v-trim', 'Ada']);
    const nbsp = await postConversation(h, seed, { channel_id: web, address: '\u00a0v-trim\u00a0' });
    expect(nbsp.status).toBe(201);
    expect(nbsp.json.data.address).toBe('\u00a0v-trim\u00a0');
    const duplicate = await post(seed, {
      payload: `{"channel_id":${web},"address":"v-first","address":"v-last"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(duplicate.status).toBe(201);
    expect(duplicate.json.data.address).toBe('v-last');
    const slashed = await h.request({ method: 'POST', url: '/api/v1/conversations/', token: seed.access_token, body: { channel_id: web, address: 'v-last' } });
    expect(slashed.status).toBe(200);
    expect(slashed.json.data.id).toBe(duplicate.json.data.id);
  });

  it('reads channel_id with FILTER_VALIDATE_INT rules', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const id = seed.channels.website;
    for (const channelId of [`0${id}`, '1e1', `${id}.0`, '0x1A', [id], { id }]) {
      expectValidationError(await postConversation(h, seed, { channel_id: channelId, address: 'v-int' }), {
        channel_id: ['The channel id field must be an integer.'],
      });
    }
    const spaced = await postConversation(h, seed, { channel_id: ` ${id} `, address: 'v-int' });
    expect(spaced.status, spaced.body).toBe(201);
    const float = await post(seed, { payload: `{"channel_id":${id}.0,"address":"v-int"}`, headers: { 'content-type': 'application/json' } });
    expect(float.status, float.body).toBe(200);
  });
});

describe('body transport', () => {
  it('answers 400 for malformed JSON and for a top level that is not an object', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    for (const payload of ['{"channel_id":', '{bad json}', '[]', '[{"channel_id":1}]', '"text"', '42', 'null', 'true']) {
      const response = await post(seed, { payload, headers: { 'content-type': 'application/json' } });
      expectError(response, 400, 'invalid_request', 'The request body is not valid JSON.');
      expect(response.json).toEqual({ error: 'invalid_request', message: 'The request body is not valid JSON.' });
    }
    expect(await total(seed)).toBe(0);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const payload = JSON.stringify({ channel_id: seed.channels.website, address: 'big', pad: 'x'.repeat(1_048_576) });
    const response = await post(seed, { payload, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ error: 'payload_too_large', message: 'The request body must not be larger than 1 MiB.' });
    expect(await total(seed)).toBe(0);
  });

  it('answers 415 for another Content-Type or a body without one', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const payload = JSON.stringify({ channel_id: seed.channels.website, address: 'typed' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', undefined]) {
      const response = await post(seed, { payload, headers: type ? { 'content-type': type } : {} });
      expect(response.status, String(type)).toBe(415);
      expect(response.json).toEqual({ error: 'unsupported_media_type', message: 'The Content-Type must be application/json.' });
    }
    expect(await total(seed)).toBe(0);
    const utf8 = await post(seed, { payload, headers: { 'content-type': 'application/json; charset=UTF-8' } });
    expect(utf8.status).toBe(201);
  });

  it('treats an empty body as {} whatever its Content-Type', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const required = { channel_id: ['The channel id field is required.'], address: ['The address field is required.'] };
    for (const headers of [{}, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }] as Array<Record<string, string>>) {
      expectValidationError(await post(seed, { headers }), required);
    }
  });
});
