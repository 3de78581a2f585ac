/**
 * The widget's conversation API (docs/channels.md#website-widget): the visitor's first message opens the customer
 * and conversation, messages list and send with their rules, team replies reach the list (and become delivered),
 * read receipts, and a blocked visitor's messages are quarantined without the visitor seeing any difference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { insertBlacklist, sql } from '../support/factories.js';
import { getConversation, sentMessageId } from '../support/requests.js';
import { visitorConversationId, visitorSays, visitorToken, widgetHarness, widgetKey, type WidgetClient } from '../support/widget.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let client: WidgetClient;

beforeAll(async () => {
  ({ h, client } = await widgetHarness());
});
afterAll(() => h.close());

async function newVisitor(profile: { name?: string; email?: string } = {}): Promise<{ seed: SeedResult; token: string }> {
  const seed = await h.seedTenant();
  return { seed, token: await visitorToken(client, await widgetKey(h, seed), profile) };
}

async function listed(token: string, query = ''): Promise<any[]> {
  const response = await client.call('GET', `/widget/v1/messages${query}`, { token });
  expect(response.status, response.body).toBe(200);
  expect(Object.keys(response.json)).toEqual(['data']);
  return response.json.data;
}

async function status(seed: SeedResult, id: number): Promise<string> {
  const [row] = await sql(h, 'SELECT delivery_status FROM messages WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
  return row!.delivery_status as string;
}

describe('POST /widget/v1/messages', () => {
  it('opens the customer and conversation with the first message and answers the WidgetMessage', async () => {
    const { seed, token } = await newVisitor({ name: 'Grace Brewster Hopper', email: 'grace@example.com' });
    expect(await listed(token)).toEqual([]);
    const response = await client.call('POST', '/widget/v1/messages', { token, body: { message: '  Hello <b>there</b>  ' } });
    expect(response.status, response.body).toBe(201);
    const now = h.clock.now().toISOString().slice(0, 19) + 'Z';
    const data = response.json.data;
    expect(response.json).toEqual({ data: { id: data.id, is_customer: true, message: 'Hello <b>there</b>', file: null, created_at: now } });
    expect(Object.keys(data)).toEqual(['id', 'is_customer', 'message', 'file', 'created_at']);

    const conversationId = await visitorConversationId(h, seed, data.id);
    const conversation = await getConversation(h, seed.access_token, conversationId);
    expect(conversation.address).toMatch(/^web-[a-z0-9]{12}$/);
    expect(conversation.last_message).toBe('Hello <b>there</b>');
    expect(Number(conversation.unread_count)).toBe(1);
    const [customer] = await sql(h, 'SELECT first_name, last_name, email FROM customers WHERE tenant_id = $1 AND id = $2', [
      seed.tenant_id,
      conversation.customer.id,
    ]);
    expect(customer).toEqual({ first_name: 'Grace', last_name: 'Brewster Hopper', email: 'grace@example.com' });

    // The second message lands in the same conversation.
    const second = await visitorSays(client, token, 'Anyone?');
    expect(await visitorConversationId(h, seed, second.id)).toBe(conversationId);
    expect(Number((await getConversation(h, seed.access_token, conversationId)).unread_count)).toBe(2);
  });

  it('refuses a missing, non-string or over-long message with 422 and stores nothing', async () => {
    const { seed, token } = await newVisitor();
    const required = { message: ['The message field is required.'] };
    expectValidationError(await client.call('POST', '/widget/v1/messages', { token, body: {} }), required);
    expectValidationError(await client.call('POST', '/widget/v1/messages', { token, body: { message: '   ' } }), required);
    expectValidationError(await client.call('POST', '/widget/v1/messages', { token, body: { message: 42 } }), {
      message: ['The message field must be a string.'],
    });
    expectValidationError(await client.call('POST', '/widget/v1/messages', { token, body: { message: 'x'.repeat(5001) } }), {
      message: ['The message field must not be greater than 5000 characters.'],
    });
    expect((await client.call('POST', '/widget/v1/messages', { token, body: { message: 'x'.repeat(5000) } })).status).toBe(201);
    const [row] = await sql(h, "SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND provider = 'website' AND is_customer", [seed.tenant_id]);
    expect(row!.n).toBe(1);
  });

  it('quarantines a blocked visitor’s message: 201 with the quarantine row’s id, never listed, the inbox untouched', async () => {
    const { seed, token } = await newVisitor();
    const first = await visitorSays(client, token, 'First');
    const conversationId = await visitorConversationId(h, seed, first.id);
    const before = await getConversation(h, seed.access_token, conversationId);
    const entryId = await insertBlacklist(h, { tenantId: seed.tenant_id, channelId: seed.channels.website, customerId: before.customer.id });

    const response = await client.call('POST', '/widget/v1/messages', { token, body: { message: 'Let me in' } });
    expect(response.status, response.body).toBe(201);
    const [quarantined] = await sql(h, 'SELECT id, message, blacklist_id FROM quarantined_messages WHERE tenant_id = $1', [seed.tenant_id]);
    expect(quarantined).toEqual({ id: response.json.data.id, message: 'Let me in', blacklist_id: entryId });
    expect(Object.keys(response.json.data)).toEqual(['id', 'is_customer', 'message', 'file', 'created_at']);
    expect(response.json.data).toMatchObject({ is_customer: true, message: 'Let me in', file: null });

    expect((await listed(token)).map((message) => message.message)).toEqual(['First']);
    const after = await getConversation(h, seed.access_token, conversationId);
    expect(after.last_message).toBe('First');
    expect(after.unread_count).toBe(before.unread_count);
  });

  it('applies the flood rule: past the tenant’s limit the visitor is blocked and later messages are quarantined', async () => {
    const { seed, token } = await newVisitor();
    await sql(h, `UPDATE tenants SET settings = COALESCE(settings, '{}'::jsonb) || jsonb_build_object('flood', $2::jsonb) WHERE id = $1`, [
      seed.tenant_id,
      JSON.stringify({ enabled: true, max_messages: 2, window_seconds: 60, block_ttl_seconds: 3600 }),
    ]);
    for (const text of ['one', 'two', 'three', 'four']) await visitorSays(client, token, text);
    expect((await listed(token)).map((message) => message.message)).toEqual(['one', 'two']);
    const [entry] = await sql(h, 'SELECT reason, quarantined_count FROM channel_blacklists WHERE tenant_id = $1', [seed.tenant_id]);
    expect(entry).toEqual({ reason: 'rate_limit', quarantined_count: 2 });
  });
});

describe('GET /widget/v1/messages', () => {
  it('lists the conversation oldest first, team replies included and then delivered; after_id pages forward', async () => {
    const { seed, token } = await newVisitor();
    const first = await visitorSays(client, token, 'Question');
    const conversationId = await visitorConversationId(h, seed, first.id);
    const replyId = await sentMessageId(h, seed.access_token, conversationId, 'Answer');
    await h.drainJobs();
    expect(await status(seed, replyId)).toBe('sent');

    const all = await listed(token);
    expect(all.map((message) => [message.id, message.is_customer, message.message])).toEqual([
      [first.id, true, 'Question'],
      [replyId, false, 'Answer'],
    ]);
    expect(await status(seed, replyId)).toBe('delivered');
    expect(await listed(token, `?after_id=${first.id}`)).toEqual([all[1]]);
    expect(await listed(token, `?after_id=${replyId}`)).toEqual([]);
  });

  it('answers at most 100: the newest without after_id, the next 100 after it', async () => {
    const { seed, token } = await newVisitor();
    const first = await visitorSays(client, token, 'm0');
    const conversationId = await visitorConversationId(h, seed, first.id);
    await sql(
      h,
      `INSERT INTO messages (tenant_id, conversation_id, channel_id, is_customer, message_type, message, source, provider, created_at, updated_at)
       SELECT $1, $2, $3, true, 'text', 'm' || n, 'customer', 'website', now(), now() FROM generate_series(1, 120) AS n`,
      [seed.tenant_id, conversationId, seed.channels.website],
    );
    const newest = await listed(token);
    expect(newest).toHaveLength(100);
    expect(newest[0].message).toBe('m21');
    expect(newest[99].message).toBe('m120');
    const forward = await listed(token, `?after_id=${first.id}`);
    expect(forward.map((message) => message.message)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i + 1}`));
  });

  it('refuses a bad after_id with 422 and the spec’s message', async () => {
    const { token } = await newVisitor();
    for (const bad of ['abc', '1.5', '-1', 'x[]=1']) {
      const query = bad.startsWith('x') ? '?after_id[]=1' : `?after_id=${bad}`;
      const response = await client.call('GET', `/widget/v1/messages${query}`, { token });
      expect(response.status, `${bad}: ${response.body}`).toBe(422);
      expect(response.json.error).toBe('validation_error');
    }
    expectValidationError(await client.call('GET', '/widget/v1/messages?after_id=abc', { token }), { after_id: ['The after id field must be an integer.'] });
  });

  it('never shows another visitor’s messages', async () => {
    const { seed, token } = await newVisitor();
    const other = await visitorToken(client, await widgetKey(h, seed));
    await visitorSays(client, token, 'mine');
    await visitorSays(client, other, 'theirs');
    expect((await listed(token)).map((message) => message.message)).toEqual(['mine']);
    expect((await listed(other)).map((message) => message.message)).toEqual(['theirs']);
  });
});

describe('POST /widget/v1/read', () => {
  it('marks our messages up to the id read, and only those', async () => {
    const { seed, token } = await newVisitor();
    const first = await visitorSays(client, token, 'Hi');
    const conversationId = await visitorConversationId(h, seed, first.id);
    const one = await sentMessageId(h, seed.access_token, conversationId, 'one');
    const two = await sentMessageId(h, seed.access_token, conversationId, 'two');
    await h.drainJobs();
    const response = await client.call('POST', '/widget/v1/read', { token, body: { up_to_id: one } });
    expect(response.status, response.body).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
    expect(await status(seed, one)).toBe('read');
    expect(await status(seed, two)).toBe('sent');
    const [row] = await sql(h, 'SELECT read_at FROM messages WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, one]);
    expect(row!.read_at).not.toBeNull();

    // Another visitor's read cannot touch this conversation.
    const other = await visitorToken(client, await widgetKey(h, seed));
    await client.call('POST', '/widget/v1/read', { token: other, body: { up_to_id: two } });
    expect(await status(seed, two)).toBe('sent');
  });

  it('refuses a missing or non-integer up_to_id with 422', async () => {
    const { token } = await newVisitor();
    expectValidationError(await client.call('POST', '/widget/v1/read', { token, body: {} }), { up_to_id: ['The up to id field is required.'] });
    expectValidationError(await client.call('POST', '/widget/v1/read', { token, body: { up_to_id: 'x' } }), {
      up_to_id: ['The up to id field must be an integer.'],
    });
    expectError(await client.call('POST', '/widget/v1/read', { body: { up_to_id: 1 } }), 401, 'unauthorized');
  });
});

describe('odd input', () => {
  it('is never a 500', async () => {
    const { token } = await newVisitor();
    const calls: Array<[string, string, Parameters<WidgetClient['call']>[2]]> = [
      ['POST', '/widget/v1/messages', { token, body: { message: 'a\u0000b' } }],
      ['POST', '/widget/v1/messages', { token, body: { message: ['x'], extra: { deep: [1] } } }],
      ['POST', '/widget/v1/messages', { token, body: { message: { a: 1 } } }],
      ['POST', '/widget/v1/messages', { token, raw: '{"message": "\\ud800"}' }],
      ['POST', '/widget/v1/read', { token, body: { up_to_id: 1e300 } }],
      ['POST', '/widget/v1/read', { token, body: { up_to_id: '99999999999999999999' } }],
      ['POST', '/widget/v1/read', { token, body: { up_to_id: 9007199254740991 } }],
      ['GET', '/widget/v1/messages?after_id=9007199254740991', { token }],
      ['GET', '/widget/v1/messages?after_id=%FF', { token }],
      ['GET', '/widget/v1/messages?after_id=1e5', { token }],
      ['GET', `/widget/v1/stream?token[]=${token}`, {}],
      ['GET', '/widget/v1/stream?token=%00', {}],
      ['POST', '/widget/v1/sessions', { body: { widget_key: 'k'.repeat(300), visitor_token: ['x'], email: 'a@b.cd' } }],
      ['POST', '/widget/v1/sessions', { body: { widget_key: 'x', visitor_token: 'A'.repeat(10_000) } }],
      ['POST', '/widget/v1/sessions', { raw: 'null' }],
      ['GET', '/widget/v1/messages', { headers: { authorization: `Bearer ${'x'.repeat(5000)}` } }],
      ['DELETE', '/widget/v1/messages', { token }],
      ['GET', '/widget/v1/nothing-here', { token }],
    ];
    for (const [method, path, options] of calls) {
      const response = await client.call(method, path, options);
      expect(response.status, `${method} ${path}: ${response.body}`).toBeLessThan(500);
      expect(response.status, `${method} ${path}: ${response.body}`).toBeGreaterThanOrEqual(200);
      if (response.status >= 400) expect(typeof response.json?.error, `${method} ${path}`).toBe('string');
    }
  });
});
