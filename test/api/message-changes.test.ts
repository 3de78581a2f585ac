/**
 * Edit, delete and mark read (docs/domain-rules.md#conversations, docs/domain-rules.md#messages, docs/request-checks.md#order-of-checks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { CONVERSATION_KEYS, MESSAGE_KEYS, apiTime } from '../support/shapes.js';
import { expectExactJson, expectValidationError, sendSnapshot } from '../support/assertions.js';
import { allConversations, allMessages, conversationOn, getConversation, listMessages, listedMessage, sentMessageId } from '../support/requests.js';
import { applicationToken, insertMessage, memberAs, memberWith, messageCounts, sql, userName } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const CONFLICT = { error: 'conflict', message: 'Only text messages sent by users can be edited.' };
const DELETED = { success: 'Message deleted successfully.', data: { message: 'Message deleted successfully.' } };

function edit(token: string, conversationId: number, messageId: number | string, body: unknown) {
  return h.request({ method: 'PUT', url: `/api/v1/conversations/${conversationId}/messages/${messageId}`, token, body });
}
function remove(token: string, conversationId: number, messageId: number | string) {
  return h.request({ method: 'DELETE', url: `/api/v1/conversations/${conversationId}/messages/${messageId}`, token });
}
const edits = async (seed: SeedResult, messageId: number) =>
  sql(h, 'SELECT previous_text, edited_by_user_id, edited_by_name, edited_at FROM message_edits WHERE tenant_id = $1 AND message_id = $2 ORDER BY id', [
    seed.tenant_id,
    messageId,
  ]);

describe('PUT /conversations/{id}/messages/{messageId}', () => {
  it('answers the edited resource; last_message follows the newest message only; audit rows keep the old texts', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const conversation = await conversationOn(h, seed, 'telegram');
    const older = await sentMessageId(h, token, conversation.id, 'First draft');
    h.clock.advance(3);
    const newest = await sentMessageId(h, token, conversation.id, 'Second message');
    const listedBefore = await listedMessage(h, token, conversation.id, older);
    const conversationBefore = await getConversation(h, token, conversation.id);
    const total = (await listMessages(h, token, conversation.id)).json.meta.total;
    h.clock.advance(60);
    const editor = await memberAs(h, seed, 'Deniz Kaya', 'Agent');
    const response = await edit(editor.token, conversation.id, older, { message: '  Corrected text  ' });
    expect(response.status, response.body).toBe(200);
    const expected = { ...listedBefore, message: 'Corrected text', is_edited: true, edited_by_user_name: 'Deniz Kaya' };
    expectExactJson(response.json, { success: 'Message updated successfully.', data: expected });
    expect(Object.keys(response.json.data)).toEqual(MESSAGE_KEYS);
    expectExactJson(await listedMessage(h, token, conversation.id, older), expected);
    expectExactJson(await getConversation(h, token, conversation.id), conversationBefore);
    expect((await listMessages(h, token, conversation.id)).json.meta.total).toBe(total);

    const owner = await userName(h, seed.user_id);
    const second = await edit(token, conversation.id, newest, { message: 'Second, edited' });
    expect(second.status, second.body).toBe(200);
    expect([second.json.data.user_name, second.json.data.edited_by_user_name, second.json.data.is_edited]).toEqual([owner, owner, true]);
    expectExactJson(await getConversation(h, token, conversation.id), { ...conversationBefore, last_message: 'Second, edited' });
    const app = await edit(await applicationToken(h, seed), conversation.id, newest, { message: 'Third text' });
    expect(app.status, app.body).toBe(200);
    expect(app.json.data.edited_by_user_name).toBe('Demo App');
    expect((await getConversation(h, token, conversation.id)).last_message).toBe('Third text');

    const at = apiTime(h.clock.now());
    expect(
      (await edits(seed, older)).map((row) => [row.previous_text, Number(row.edited_by_user_id), row.edited_by_name, apiTime(new Date(row.edited_at))]),
    ).toEqual([['First draft', editor.userId, 'Deniz Kaya', at]]);
    expect(
      (await edits(seed, newest)).map((row) => [row.previous_text, row.edited_by_user_id === null ? null : Number(row.edited_by_user_id), row.edited_by_name]),
    ).toEqual([
      ['Second message', seed.user_id, owner],
      ['Second, edited', null, 'Demo App'],
    ]);
  });

  it('409 for customer, deleted, media and agent messages; user, application and ai_suggestion sources are editable', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'website');
    const customer = (await allMessages(h, token, id)).find((row) => row.is_customer);
    const deleted = await sentMessageId(h, token, id, 'soon deleted');
    expect((await remove(token, id, deleted)).status).toBe(200);
    const image = await insertMessage(h, seed.tenant_id, id, { isCustomer: false, messageType: 'image', source: 'user', text: 'caption' });
    const agent = await insertMessage(h, seed.tenant_id, id, { isCustomer: false, source: 'agent', text: 'agent reply' });
    const system = await insertMessage(h, seed.tenant_id, id, { isCustomer: false, source: 'system', text: 'system note' });
    for (const messageId of [customer.id, deleted, image, agent, system]) {
      const before = await listedMessage(h, token, id, messageId);
      const response = await edit(token, id, messageId, { message: 'changed' });
      expect(response.status, `${messageId}: ${response.body}`).toBe(409);
      expectExactJson(response.json, CONFLICT);
      expectExactJson(await listedMessage(h, token, id, messageId), before);
      expect(await edits(seed, messageId)).toEqual([]);
    }
    for (const source of ['application', 'ai_suggestion']) {
      const messageId = await insertMessage(h, seed.tenant_id, id, { isCustomer: false, source, text: `from ${source}` });
      const response = await edit(token, id, messageId, { message: `edited ${source}` });
      expect(response.status, `${source}: ${response.body}`).toBe(200);
      expect(JSON.parse(response.json.data.metadata).source).toBe(source);
    }
  });

  it('quoted_text shows the quoted message as it is now: edited, then deleted', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'website');
    const quoted = await sentMessageId(h, token, id, 'Original words');
    const reply = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${id}/messages`,
      token,
      body: { message: 'Reply', quoted_message_id: quoted },
    });
    const replyId = Number(reply.json.data.message_id);
    expect((await listedMessage(h, token, id, replyId)).quoted_text).toBe('Original words');
    expect((await edit(token, id, quoted, { message: 'Changed words' })).status).toBe(200);
    expect((await listedMessage(h, token, id, replyId)).quoted_text).toBe('Changed words');
    expect((await remove(token, id, quoted)).status).toBe(200);
    const row = await listedMessage(h, token, id, replyId);
    expect([row.quoted_text, JSON.parse(row.metadata).quoted_message_id]).toEqual(['Changed words', quoted]);
  });

  it('checks in the order 404 (conversation, message) → 422 → 409', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id, last_message_id: lastId } = await conversationOn(h, seed, 'telegram');
    const customer = (await allMessages(h, token, id)).find((row) => row.is_customer);
    const mine = await sentMessageId(h, token, id, 'editable');
    const expect404 = async (response: any, message: string) => {
      expect(response.status, response.body).toBe(404);
      expectExactJson(response.json, { error: 'not_found', message });
    };
    await expect404(await edit(token, 999_999_999, lastId, {}), 'Conversation not found.');
    await expect404(await edit(token, id, 999_999_999, {}), 'Message not found.');
    expectValidationError(await edit(token, id, customer.id, {}), { message: ['The message field is required.'] });
    const cases: Array<[unknown, string]> = [
      [{ message: null }, 'The message field is required.'],
      [{ message: '   ' }, 'The message field is required.'],
      [{ message: 42 }, 'The message field must be a string.'],
      [{ message: 'x'.repeat(5001) }, 'The message field must not be greater than 5000 characters.'],
    ];
    for (const [body, message] of cases) expectValidationError(await edit(token, id, mine, body), { message: [message] });
    expect((await listedMessage(h, token, id, mine)).message).toBe('editable');
    expect(await edits(seed, mine)).toEqual([]);
    expect((await edit(token, id, customer.id, { message: 'valid' })).status).toBe(409);
    expect((await edit(token, id, mine, { message: 'é'.repeat(5000) })).status).toBe(200);
  });
});

describe('DELETE /conversations/{id}/messages/{messageId}', () => {
  it('soft-deletes: listed with is_deleted, text kept, total and last_message_* unchanged, idempotent with the first deleter kept', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'telegram');
    const messageId = await sentMessageId(h, token, id, 'Delete me');
    const before = await listedMessage(h, token, id, messageId);
    const conversation = await getConversation(h, token, id);
    const total = (await listMessages(h, token, id)).json.meta.total;
    const response = await remove(token, id, messageId);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, DELETED);
    const owner = await userName(h, seed.user_id);
    const expected = { ...before, is_deleted: true, deleted_by_user_name: owner };
    expectExactJson(await listedMessage(h, token, id, messageId), expected);
    expectExactJson(await getConversation(h, token, id), conversation);
    expect((await listMessages(h, token, id)).json.meta.total).toBe(total);
    expect(await messageCounts(h, seed.tenant_id, id)).toEqual({ counter: total, rows: total });

    const other = await memberAs(h, seed, 'Second Deleter', 'Agent');
    h.clock.advance(30);
    const again = await remove(other.token, id, messageId);
    expect(again.status, again.body).toBe(200);
    expectExactJson(again.json, DELETED);
    expectExactJson(await listedMessage(h, token, id, messageId), expected);
    expectExactJson(await getConversation(h, token, id), conversation);
  });

  it('an unread customer message stops counting; read ones and repeats change nothing', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const token = seed.access_token;
    const conversation = (await allConversations(h, seed)).find((row) => Number(row.unread_count) >= 1 && row.last_message_is_customer);
    expect(conversation, 'a conversation ending with unread customer messages').toBeDefined();
    const messages = await allMessages(h, token, conversation.id);
    const unread = messages.find((row) => row.is_customer && row.read_at === null);
    const read = messages.find((row) => row.is_customer && row.read_at !== null);
    const outbound = messages.find((row) => !row.is_customer);
    const count = Number(conversation.unread_count);
    expect((await remove(token, conversation.id, read.id)).status).toBe(200);
    expect((await remove(token, conversation.id, outbound.id)).status).toBe(200);
    expect((await getConversation(h, token, conversation.id)).unread_count).toBe(String(count));
    expect((await remove(token, conversation.id, unread.id)).status).toBe(200);
    const after = await getConversation(h, token, conversation.id);
    expectExactJson(after, { ...conversation, unread_count: String(count - 1) });
    expect((await remove(token, conversation.id, unread.id)).status).toBe(200);
    expect((await getConversation(h, token, conversation.id)).unread_count).toBe(String(count - 1));
    const [row] = await sql(
      h,
      `SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer AND NOT is_deleted AND read_at IS NULL`,
      [seed.tenant_id, conversation.id],
    );
    expect(after.unread_count).toBe(String(row!.n));
  });
});

describe('POST /conversations/{id}/read', () => {
  it('sets read_at on unread customer messages only, unread_count "0", answers the conversation; idempotent', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const token = seed.access_token;
    const found = (await allConversations(h, seed, '?channel_type=website')).find((row) => Number(row.unread_count) >= 2);
    expect(found, 'a conversation with 2 unread messages').toBeDefined();
    await sentMessageId(h, token, found.id, 'Outbound, not read by the customer yet');
    const conversation = await getConversation(h, token, found.id);
    const before = await allMessages(h, token, conversation.id);
    expect(before.some((row) => !row.is_customer && row.read_at === null)).toBe(true);
    expect(before.filter((row) => row.is_customer && row.read_at === null)).toHaveLength(Number(conversation.unread_count));
    h.clock.advance(90);
    const at = apiTime(h.clock.now());
    const response = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/read`, token, body: { anything: ['ignored'] } });
    expect(response.status, response.body).toBe(200);
    const expected = { ...conversation, unread_count: '0' };
    expectExactJson(response.json, { success: 'Conversation marked as read.', data: expected });
    expect(Object.keys(response.json.data)).toEqual(CONVERSATION_KEYS);
    const after = await allMessages(h, token, conversation.id);
    expect(after).toEqual(before.map((row) => (row.is_customer && row.read_at === null ? { ...row, read_at: at } : row)));
    expectExactJson(await getConversation(h, token, conversation.id), expected);

    h.clock.advance(60);
    const again = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/read`, token });
    expect(again.status, again.body).toBe(200);
    expectExactJson(again.json, response.json);
    expect(await allMessages(h, token, conversation.id)).toEqual(after);
    // A new inbound message counts again, and is read by the next call.
    await insertMessage(h, seed.tenant_id, conversation.id, { text: 'one more' });
    expect((await getConversation(h, token, conversation.id)).unread_count).toBe('1');
    const third = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/read`, token });
    expect(third.json.data.unread_count).toBe('0');
    expect(third.json.data.last_message).toBe('one more');
  });

  it('a conversation without messages, and another tenant’s conversation (404)', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 4 });
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/conversations',
      token: seed.access_token,
      body: { channel_id: seed.channels.website, address: 'v-read' },
    });
    const response = await h.request({ method: 'POST', url: `/api/v1/conversations/${created.json.data.id}/read`, token: seed.access_token });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { success: 'Conversation marked as read.', data: created.json.data });
    const foreign = await conversationOn(h, other, 'website');
    const denied = await h.request({ method: 'POST', url: `/api/v1/conversations/${foreign.id}/read`, token: seed.access_token });
    expect(denied.status).toBe(404);
    expectExactJson(denied.json, { error: 'not_found', message: 'Conversation not found.' });
    expect((await getConversation(h, other.access_token, foreign.id)).unread_count).toBe(foreign.unread_count);
  });
});

describe('GET /conversations/{id}', () => {
  it('equals the list item for it, key for key, before and after changes', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const token = seed.access_token;
    const check = async () => {
      for (const row of await allConversations(h, seed)) {
        const response = await h.request({ url: `/api/v1/conversations/${row.id}`, token });
        expect(response.status, response.body).toBe(200);
        expectExactJson(response.json, { success: 'Conversation retrieved successfully.', data: row });
      }
    };
    await check();
    const { id } = await conversationOn(h, seed, 'website');
    await sentMessageId(h, token, id, 'A reply');
    expect((await h.request({ method: 'POST', url: `/api/v1/conversations/${id}/agent/disable`, token, body: { duration_minutes: 15 } })).status).toBe(200);
    await check();
  });
});

describe('order of checks (docs/request-checks.md#order-of-checks)', () => {
  it('403 insufficient_scope, then 403 forbidden, even for unknown conversations and invalid bodies; nothing changes', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id, last_message_id: messageId } = await conversationOn(h, seed, 'telegram');
    const viewer = await memberAs(h, seed, 'Vera Viewer', 'Viewer');
    const replier = await memberWith(h, seed, 'Rita Reply', ['conversations.view', 'conversations.reply']);
    const readOnly = await h.token(seed.user_id, { scopes: ['conversations:read'] });
    const before = await sendSnapshot(h, seed, id);
    const writes: Array<[string, string, unknown]> = [
      ['POST', 'messages', { message: 'x' }],
      ['POST', 'messages', {}],
      ['PUT', `messages/${messageId}`, { message: 'x' }],
      ['DELETE', `messages/${messageId}`, undefined],
      ['POST', 'read', undefined],
      ['POST', 'agent/disable', { duration_minutes: 0 }],
      ['POST', 'agent/enable', undefined],
      ['POST', 'ai-suggestion/send', {}],
    ];
    for (const conversation of [id, 999_999_999]) {
      for (const [method, path, body] of writes) {
        const url = `/api/v1/conversations/${conversation}/${path}`;
        const scoped = await h.request({ method, url, token: readOnly, body });
        expect(scoped.status, `${method} ${url}: ${scoped.body}`).toBe(403);
        expectExactJson(scoped.json, { error: 'insufficient_scope', message: 'The access token does not have the required scope: conversations:write.' });
        expect(scoped.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="conversations:write"');
        const denied = await h.request({ method, url, token: viewer.token, body });
        expect(denied.status, `${method} ${url}: ${denied.body}`).toBe(403);
        expectExactJson(denied.json, { error: 'forbidden', message: 'You do not have permission to perform this action.' });
      }
      for (const path of ['agent/disable', 'agent/enable']) {
        const denied = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversation}/${path}`, token: replier.token, body: {} });
        expect(denied.status, denied.body).toBe(403);
        expect(denied.json.error).toBe('forbidden');
      }
    }
    expect((await h.request({ url: `/api/v1/conversations/${id}/agent`, token: replier.token })).status).toBe(200);
    expect((await h.request({ url: `/api/v1/conversations/${id}/messages`, token: viewer.token })).status).toBe(200);
    expect(await sendSnapshot(h, seed, id)).toEqual(before);
  });

  it('body transport (400, 415) comes before path ids (404)', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id, last_message_id: messageId } = await conversationOn(h, seed, 'telegram');
    const before = await sendSnapshot(h, seed, id);
    for (const conversation of [id, 999_999_999]) {
      for (const [method, path] of [
        ['POST', 'messages'],
        ['PUT', `messages/${messageId}`],
        ['POST', 'agent/disable'],
        ['POST', 'ai-suggestion/send'],
      ]) {
        const url = `/api/v1/conversations/${conversation}/${path}`;
        for (const payload of ['{"message": "x"', '["x"]']) {
          const response = await h.request({ method, url, token: seed.access_token, payload, headers: { 'content-type': 'application/json' } });
          expect(response.status, `${method} ${url} ${payload}: ${response.body}`).toBe(400);
          expect(response.json.error).toBe('invalid_request');
        }
        const typed = await h.request({ method, url, token: seed.access_token, payload: 'message=x', headers: { 'content-type': 'text/plain' } });
        expect(typed.status, `${method} ${url}: ${typed.body}`).toBe(415);
        expectExactJson(typed.json, { error: 'unsupported_media_type', message: 'The Content-Type must be application/json.' });
      }
    }
    expect(await sendSnapshot(h, seed, id)).toEqual(before);
  });
});
