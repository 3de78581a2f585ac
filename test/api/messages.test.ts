/**
 * Messages list and text send (docs/domain-rules.md#principals-and-names, docs/domain-rules.md#messages, docs/domain-rules.md#conversations, docs/jobs-and-delivery.md#delivery, docs/domain-rules.md#channels;
 * docs/pagination.md#the-response-body).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { MESSAGE_KEYS, METADATA_KEYS, NOT_FOUND_CONVERSATION, NOT_FOUND_MESSAGE, SEND_RESULT_KEYS, TIMESTAMP, apiTime } from '../support/shapes.js';
import { expectExactJson, expectPaginatorShape, expectValidationError, sendSnapshot } from '../support/assertions.js';
import {
  allConversations,
  allMessages,
  conversationOn,
  getConversation,
  listMessages,
  listedMessage,
  newConversation as newConversationOf,
  sendText,
  sentMessageId,
} from '../support/requests.js';
import { applicationToken, insertMessage, messageCounts, sql, userName } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const pathOf = (id: number) => `http://127.0.0.1:8080/api/v1/conversations/${id}/messages`;
const isIntStr = (value: unknown) => typeof value === 'string' && /^[1-9][0-9]*$/.test(value);
const snapshot = (seed: SeedResult, id: number) => sendSnapshot(h, seed, id);
const newConversation = (seed: SeedResult, type: 'whatsapp' | 'instagram' | 'website' | 'telegram', address: string) =>
  newConversationOf(h, seed, type, address);

describe('GET /conversations/{id}/messages', () => {
  it('is a Laravel paginator, newest first (ties by id), first item = last_message_id, path without query', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const token = seed.access_token;
    const conversation = await conversationOn(h, seed, 'telegram');
    const sent = [
      await sentMessageId(h, token, conversation.id, 'one'),
      await sentMessageId(h, token, conversation.id, 'two'),
      await sentMessageId(h, token, conversation.id, 'three'),
    ];
    const expected = (
      await sql(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC', [seed.tenant_id, conversation.id])
    ).map((row) => Number(row.id));
    expect(expected.slice(0, 3)).toEqual([...sent].reverse());
    const [n, last] = [expected.length, Math.ceil(expected.length / 2)];
    const url = (page: number) => `${pathOf(conversation.id)}?per_page=2&page=${page}`;
    const response = await listMessages(h, token, conversation.id, '?per_page=2');
    expect(response.status, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expectPaginatorShape(response.json);
    expect(response.json.data.map((row: any) => row.id)).toEqual(expected.slice(0, 2));
    expect(response.json.links).toEqual({ first: url(1), last: url(last), prev: null, next: url(2) });
    expect(response.json.meta).toEqual({
      current_page: 1,
      from: 1,
      last_page: last,
      links: [
        { url: null, label: '&laquo; Previous', active: false },
        ...Array.from({ length: last }, (_, index) => ({ url: url(index + 1), label: String(index + 1), active: index === 0 })),
        { url: url(2), label: 'Next &raquo;', active: false },
      ],
      path: pathOf(conversation.id),
      per_page: 2,
      to: 2,
      total: n,
    });
    const walked: number[] = [];
    for (let page = 1; page <= last; page++)
      walked.push(...(await listMessages(h, token, conversation.id, `?per_page=2&page=${page}`)).json.data.map((row: any) => row.id));
    expect(walked).toEqual(expected);
    const beyond = (await listMessages(h, token, conversation.id, `/?per_page=2&page=${last + 2}`)).json;
    expect([beyond.data, beyond.meta.current_page, beyond.meta.from, beyond.meta.to, beyond.links.prev, beyond.meta.path]).toEqual([
      [],
      last + 2,
      null,
      null,
      url(last + 1),
      pathOf(conversation.id),
    ]);
    expect((await getConversation(h, token, conversation.id)).last_message_id).toBe(String(expected[0]));
    for (const row of await allConversations(h, seed)) {
      const first = (await listMessages(h, token, row.id, '?per_page=1')).json;
      expect(first.data[0].id, `conversation ${row.id}`).toBe(Number(row.last_message_id));
      expect(first.meta.total).toBe((await messageCounts(h, seed.tenant_id, row.id)).rows);
    }
  });

  it('a conversation without messages answers an empty page', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const id = await newConversation(seed, 'telegram', '@empty_one');
    const response = await listMessages(h, seed.access_token, id);
    expect(response.status, response.body).toBe(200);
    const path = pathOf(id);
    const links = [
      { url: null, label: '&laquo; Previous', active: false },
      { url: `${path}?page=1`, label: '1', active: true },
      { url: null, label: 'Next &raquo;', active: false },
    ];
    expectExactJson(response.json, {
      data: [],
      links: { first: `${path}?page=1`, last: `${path}?page=1`, prev: null, next: null },
      meta: { current_page: 1, from: null, last_page: 1, links, path, per_page: 15, to: null, total: 0 },
    });
  });

  it('per_page is validated (422) after the conversation (404)', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'website');
    const integer = 'The per page field must be an integer.';
    const cases = [
      ['abc', integer],
      ['2.5', integer],
      ['05', integer],
      ['0', 'The per page field must be at least 1.'],
      ['-1', 'The per page field must be at least 1.'],
      ['101', 'The per page field must not be greater than 100.'],
    ];
    for (const [value, message] of cases as Array<[string, string]>)
      expectValidationError(await listMessages(h, seed.access_token, id, `?per_page=${value}`), { per_page: [message] });
    const missing = await listMessages(h, seed.access_token, 999_999_999, '?per_page=abc');
    expect(missing.status).toBe(404);
    expectExactJson(missing.json, NOT_FOUND_CONVERSATION);
  });

  it('every message has the documented keys, JSON types and metadata text', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const owner = await userName(h, seed.user_id);
    let customers = 0;
    let outbound = 0;
    for (const conversation of await allConversations(h, seed)) {
      for (const row of await allMessages(h, seed.access_token, conversation.id)) {
        expect(Object.keys(row)).toEqual(MESSAGE_KEYS);
        expect(Number.isInteger(row.id) && row.conversation_id === conversation.id).toBe(true);
        for (const key of ['is_customer', 'is_deleted', 'is_edited']) expect(typeof row[key]).toBe('boolean');
        expect([row.message_type, typeof row.message, TIMESTAMP.test(row.created_at)]).toEqual(['text', 'string', true]);
        expect([row.quoted_text, row.edited_by_user_name, row.deleted_by_user_name, row.file, row.file_temporary_url]).toEqual([null, null, null, null, null]);
        if (row.read_at !== null) expect(row.read_at).toMatch(TIMESTAMP);
        const metadata = JSON.parse(row.metadata);
        expect(JSON.stringify(metadata)).toBe(row.metadata);
        expect(Object.keys(metadata).slice(0, 8)).toEqual(METADATA_KEYS);
        expect([metadata.provider, metadata.quoted_message_id]).toEqual([conversation.channel.type, null]);
        if (row.is_customer) {
          customers++;
          expect([row.user_id, row.user_name, metadata.source, metadata.delivery_status, metadata.failure_reason]).toEqual([
            null,
            null,
            'customer',
            null,
            null,
          ]);
          if (metadata.provider_timestamp !== null) expect(metadata.provider_timestamp).toMatch(TIMESTAMP);
        } else {
          outbound++;
          expect([row.user_id, row.user_name, metadata.source]).toEqual([seed.user_id, owner, 'user']);
          expect(['queued', 'sent', 'delivered', 'read', 'failed']).toContain(metadata.delivery_status);
          expect(metadata.delivery_updated_at).toMatch(TIMESTAMP);
        }
      }
    }
    expect(customers > 0 && outbound > 0).toBe(true);
  });
});

describe('POST /conversations/{id}/messages', () => {
  it('stores a queued outbound text, quotes, moves last_message_* and leaves unread_count alone', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const token = seed.access_token;
    const conversations = await allConversations(h, seed, '?channel_type=telegram');
    const before = conversations.find((row) => row.unread_count !== '0');
    expect(before, 'a telegram conversation with unread messages').toBeDefined();
    const quoted = (await listMessages(h, token, before.id)).json.data[1];
    const total = (await listMessages(h, token, before.id)).json.meta.total;
    h.clock.advance(7);
    const now = apiTime(h.clock.now());
    const response = await sendText(h, token, before.id, { message: '  Hello there  ', quoted_message_id: quoted.id });
    expect(response.status, response.body).toBe(200);
    expect(isIntStr(response.json.data.message_id)).toBe(true);
    const id = Number(response.json.data.message_id);
    expectExactJson(response.json, {
      success: 'Message sent successfully.',
      data: { status: 'queued', message_id: String(id), conversation_id: String(before.id) },
    });
    expect(Object.keys(response.json.data)).toEqual(SEND_RESULT_KEYS);
    const list = await listMessages(h, token, before.id);
    expect(list.json.meta.total).toBe(total + 1);
    expectExactJson(list.json.data[0], {
      id,
      conversation_id: before.id,
      user_id: seed.user_id,
      user_name: await userName(h, seed.user_id),
      is_customer: false,
      message_type: 'text',
      message: 'Hello there',
      quoted_text: quoted.message,
      is_deleted: false,
      is_edited: false,
      edited_by_user_name: null,
      deleted_by_user_name: null,
      read_at: null,
      metadata: JSON.stringify({
        source: 'user',
        provider: 'telegram',
        provider_message_id: null,
        provider_timestamp: null,
        quoted_message_id: quoted.id,
        delivery_status: 'queued',
        failure_reason: null,
        delivery_updated_at: now,
      }),
      created_at: now,
      file: null,
      file_temporary_url: null,
    });
    expectExactJson(await getConversation(h, token, before.id), {
      ...before,
      last_message_id: String(id),
      last_message: 'Hello there',
      last_message_at: now,
      last_message_type: 'text',
      last_message_is_customer: false,
    });
    expect(await messageCounts(h, seed.tenant_id, before.id)).toEqual({ counter: total + 1, rows: total + 1 });
  });

  it('an application send: user_id null, the application name, source application; an integer string quotes', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id, last_message_id: quoted } = await conversationOn(h, seed, 'website');
    const response = await sendText(h, await applicationToken(h, seed), id, { message: 'From the app', quoted_message_id: ` ${quoted} ` });
    expect(response.status, response.body).toBe(200);
    const row = await listedMessage(h, seed.access_token, id, Number(response.json.data.message_id));
    const metadata = JSON.parse(row.metadata);
    expect([row.user_id, row.user_name, metadata.source, metadata.quoted_message_id]).toEqual([null, 'Demo App', 'application', Number(quoted)]);
  });

  it('delivery moves the message forward (sandbox: delivered) and never touches the conversation', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const conversation = (await allConversations(h, seed, '?channel_type=telegram')).find((row) => row.unread_count !== '0');
    const id = await sentMessageId(h, seed.access_token, conversation.id, 'Deliver me');
    const before = await getConversation(h, seed.access_token, conversation.id);
    h.clock.advance(2);
    expect(await h.drainJobs()).toBeGreaterThanOrEqual(1);
    const metadata = JSON.parse((await listedMessage(h, seed.access_token, conversation.id, id)).metadata);
    expect(Object.keys(metadata)).toEqual(METADATA_KEYS);
    expect(metadata).toEqual({
      source: 'user',
      provider: 'telegram',
      provider_message_id: `sandbox-${id}`,
      provider_timestamp: null,
      quoted_message_id: null,
      delivery_status: 'delivered',
      failure_reason: null,
      delivery_updated_at: apiTime(h.clock.now()),
    });
    expectExactJson(await getConversation(h, seed.access_token, conversation.id), before);
  });

  it('answers every 422 of docs/domain-rules.md#messages, all fields at once, and stores nothing', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const other = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const [conversation, sibling] = await allConversations(h, seed, '?channel_type=telegram');
    const deleted = await insertMessage(h, seed.tenant_id, conversation.id, { text: 'to be deleted', at: new Date(h.clock.now().getTime() - 1000) });
    expect((await h.request({ method: 'DELETE', url: `/api/v1/conversations/${conversation.id}/messages/${deleted}`, token })).status).toBe(200);
    const siblingMessage = Number(sibling.last_message_id);
    const otherTenantMessage = Number((await conversationOn(h, other, 'telegram')).last_message_id);
    const before = await snapshot(seed, conversation.id);
    const required = 'The message field is required.';
    const invalidQuote = 'The selected quoted message id is invalid.';
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { message: [required] }],
      [{ message: null }, { message: [required] }],
      [{ message: '' }, { message: [required] }],
      [{ message: ' \t\n ' }, { message: [required] }],
      [{ message: 123 }, { message: ['The message field must be a string.'] }],
      [{ message: ['x'] }, { message: ['The message field must be a string.'] }],
      [{ message: 'a'.repeat(5001) }, { message: ['The message field must not be greater than 5000 characters.'] }],
      [{ message: 'ok', quoted_message_id: 'abc' }, { quoted_message_id: ['The quoted message id field must be an integer.'] }],
      [{ message: 'ok', quoted_message_id: 1.5 }, { quoted_message_id: ['The quoted message id field must be an integer.'] }],
      [{ message: 'ok', quoted_message_id: 9007199254740992 }, { quoted_message_id: ['The quoted message id field must be an integer.'] }],
      [{ message: 'ok', quoted_message_id: '99999999999999999999' }, { quoted_message_id: ['The quoted message id field must be an integer.'] }],
      [
        { message: true, quoted_message_id: 0 },
        { message: ['The message field must be a string.'], quoted_message_id: [invalidQuote] },
      ],
      [{ message: 'ok', quoted_message_id: -3 }, { quoted_message_id: [invalidQuote] }],
      [{ message: 'ok', quoted_message_id: 999_999_999 }, { quoted_message_id: [invalidQuote] }],
      [{ message: 'ok', quoted_message_id: deleted }, { quoted_message_id: [invalidQuote] }],
      [{ message: 'ok', quoted_message_id: siblingMessage }, { quoted_message_id: [invalidQuote] }],
      [{ message: 'ok', quoted_message_id: otherTenantMessage }, { quoted_message_id: [invalidQuote] }],
      [
        { message: 123, quoted_message_id: 'abc' },
        { message: ['The message field must be a string.'], quoted_message_id: ['The quoted message id field must be an integer.'] },
      ],
      [{ quoted_message_id: otherTenantMessage }, { message: [required], quoted_message_id: [invalidQuote] }],
    ];
    for (const [body, errors] of cases) expectValidationError(await sendText(h, token, conversation.id, body), errors);
    expect(await snapshot(seed, conversation.id)).toEqual(before);
  });

  it('concurrent sends all succeed with distinct ids; last_message_id is the newest, meta.total the row count (docs/domain-rules.md#conversations)', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'telegram');
    const responses = await Promise.all(Array.from({ length: 8 }, (_, index) => sendText(h, seed.access_token, id, { message: `parallel ${index}` })));
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    const ids = responses.map((response) => Number(response.json.data.message_id));
    expect(new Set(ids).size).toBe(8);
    const conversation = await getConversation(h, seed.access_token, id);
    const newest = Math.max(...ids);
    expect([conversation.last_message_id, conversation.last_message]).toEqual([String(newest), `parallel ${ids.indexOf(newest)}`]);
    const counts = await messageCounts(h, seed.tenant_id, id);
    expect((await listMessages(h, seed.access_token, id)).json.meta.total).toBe(counts.rows);
    expect(counts.counter).toBe(counts.rows);
  });

  it('counts code points: 5000 × "é" and 5000 × "😀" are valid and stored as sent', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'telegram');
    for (const text of ['é'.repeat(5000), '😀'.repeat(5000)]) {
      const response = await sendText(h, seed.access_token, id, { message: text, quoted_message_id: null });
      expect(response.status, response.body.slice(0, 200)).toBe(200);
      expect((await listedMessage(h, seed.access_token, id, Number(response.json.data.message_id))).message).toBe(text);
    }
  });

  it('channel_inactive after validation, before the reply window; nothing stored', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const telegram = await newConversation(seed, 'telegram', '@off_channel');
    const whatsapp = await newConversation(seed, 'whatsapp', '+90 532 000 11 22');
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = ANY($2::bigint[])', [
      seed.tenant_id,
      [seed.channels.telegram, seed.channels.whatsapp],
    ]);
    const inactive = { error: 'channel_inactive', message: 'This channel is switched off.', errors: { message: ['This channel is switched off.'] } };
    for (const id of [telegram, whatsapp]) {
      const before = await snapshot(seed, id);
      const response = await sendText(h, seed.access_token, id, { message: 'Anyone there?' });
      expect(response.status, response.body).toBe(422);
      expectExactJson(response.json, inactive);
      expectValidationError(await sendText(h, seed.access_token, id, { message: '  ' }), { message: ['The message field is required.'] });
      expect(await snapshot(seed, id)).toEqual(before);
    }
  });

  it('reply_window_closed: no customer message, a closed window, and the open window (deleted messages count)', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const token = seed.access_token;
    const closed = (text: string) => ({ error: 'reply_window_closed', message: text, errors: { message: [text] } });
    const expectClosed = async (id: number, text: string) => {
      const before = await snapshot(seed, id);
      const response = await sendText(h, token, id, { message: 'Hello?' });
      expect(response.status, response.body).toBe(422);
      expectExactJson(response.json, closed(text));
      expect(await snapshot(seed, id)).toEqual(before);
    };
    const wa = await newConversation(seed, 'whatsapp', '+90 532 111 00 01');
    await expectClosed(wa, 'This WhatsApp conversation has no open reply window. The customer has to write first.');
    const ig = await newConversation(seed, 'instagram', '17841000000111');
    await insertMessage(h, seed.tenant_id, ig, { isCustomer: false, text: 'outbound only' });
    await expectClosed(ig, 'This Instagram conversation has no open reply window. The customer has to write first.');

    const start = h.clock.now();
    const late = await newConversation(seed, 'whatsapp', '+90 532 111 00 02');
    await insertMessage(h, seed.tenant_id, late, { at: start });
    const lateIg = await newConversation(seed, 'instagram', '17841000000222');
    await insertMessage(h, seed.tenant_id, lateIg, { at: start });
    const open = await newConversation(seed, 'whatsapp', '+90 532 111 00 03');
    const deletedCustomer = await insertMessage(h, seed.tenant_id, open, { at: start });
    expect((await h.request({ method: 'DELETE', url: `/api/v1/conversations/${open}/messages/${deletedCustomer}`, token })).status).toBe(200);
    h.clock.advance(86_399);
    expect((await sendText(h, token, open, { message: 'Still open' })).status).toBe(200);
    h.clock.advance(2);
    const closesAt = apiTime(new Date(start.getTime() + 86_400_000));
    await expectClosed(late, `The 24-hour reply window of this WhatsApp conversation closed at ${closesAt}. The customer has to write first.`);
    await expectClosed(lateIg, `The 24-hour reply window of this Instagram conversation closed at ${closesAt}. The customer has to write first.`);
    // A new customer message opens it again.
    await insertMessage(h, seed.tenant_id, late);
    expect((await sendText(h, token, late, { message: 'Back again' })).status).toBe(200);
  });
});

describe('404s', () => {
  it('another tenant’s conversation, another conversation’s message and junk path ids', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const other = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const [mine, sibling] = await allConversations(h, seed);
    const foreign = await conversationOn(h, other, 'telegram');
    const notFound = async (method: string, url: string, expected: object, body?: unknown) => {
      const response = await h.request({ method, url, token, body });
      expect(response.status, `${method} ${url}: ${response.body}`).toBe(404);
      expectExactJson(response.json, expected);
    };
    const foreignBefore = await snapshot(other, foreign.id);
    const conversationUrls = (id: string) => [
      ['GET', `/api/v1/conversations/${id}`],
      ['GET', `/api/v1/conversations/${id}/messages`],
      ['POST', `/api/v1/conversations/${id}/messages`],
      ['PUT', `/api/v1/conversations/${id}/messages/${foreign.last_message_id}`],
      ['DELETE', `/api/v1/conversations/${id}/messages/${foreign.last_message_id}`],
    ];
    for (const id of [String(foreign.id), 'abc', '0', '-1', '1.5', '99999999999999999999', '9223372036854775808']) {
      for (const [method, url] of conversationUrls(id)) await notFound(method!, url!, NOT_FOUND_CONVERSATION, method === 'GET' ? undefined : { message: 'x' });
    }
    // Even an invalid body answers 404 first.
    await notFound('POST', `/api/v1/conversations/${foreign.id}/messages`, NOT_FOUND_CONVERSATION, {});
    expect(await snapshot(other, foreign.id)).toEqual(foreignBefore);
    const before = await snapshot(seed, mine.id);
    for (const messageId of [
      sibling.last_message_id,
      foreign.last_message_id,
      '999999999',
      'abc',
      '0',
      '-1',
      '1.5',
      '99999999999999999999',
      '9223372036854775808',
    ]) {
      await notFound('PUT', `/api/v1/conversations/${mine.id}/messages/${messageId}`, NOT_FOUND_MESSAGE, { message: 'edited' });
      await notFound('PUT', `/api/v1/conversations/${mine.id}/messages/${messageId}`, NOT_FOUND_MESSAGE, {});
      await notFound('DELETE', `/api/v1/conversations/${mine.id}/messages/${messageId}`, NOT_FOUND_MESSAGE);
    }
    expect(await snapshot(seed, mine.id)).toEqual(before);
    expect((await listedMessage(h, token, sibling.id, Number(sibling.last_message_id))).is_deleted).toBe(false);
    // Leading zeros read as decimal.
    const padded = await h.request({ url: `/api/v1/conversations/00${mine.id}`, token });
    expect(padded.status).toBe(200);
    expect(padded.json.data.id).toBe(mine.id);
  });
});
