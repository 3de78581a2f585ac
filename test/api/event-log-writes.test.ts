/**
 * Which events the write paths append, and in what order (docs/events.md#who-writes-what): one per
 * resource per transaction with its final state, .created first, no event for a write that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { eventHead, eventsAfter, eventSummary } from '../support/events.js';
import { newConversation, postConversation, sentMessageId } from '../support/requests.js';
import { applyActions, conversationByKey, inboundText } from '../support/inbound.js';
import { insertMessage, sql } from '../support/factories.js';
import { getConversation } from '../support/requests.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

let serial = 0;
const chatId = () => String(820000000 + (process.pid % 10000) * 1000 + ++serial);

describe('conversations and messages through the API', () => {
  it('POST /conversations: customer.created then conversation.created, by the user; answering 200 writes nothing', async () => {
    const seed = await h.seedTenant();
    const before = await eventHead(h, seed.tenant_id);
    const response = await postConversation(h, seed, { channel_id: seed.channels.telegram, address: chatId(), first_name: 'Ada' });
    expect(response.status).toBe(201);
    const events = await eventsAfter(h, seed.tenant_id, before);
    expect(events.map((event) => event.type)).toEqual(['customer.created', 'conversation.created']);
    expect(events.map((event) => event.id)).toEqual([before + 1, before + 2]);
    expect(events[1]!.data).toEqual(response.json.data);
    expect(events[0]!.data.id).toBe(response.json.data.customer.id);
    expect(events[0]!.actor_type).toBe('user');
    expect(events[0]!.actor_id).toBe(seed.user_id);
    const head = await eventHead(h, seed.tenant_id);
    const again = await postConversation(h, seed, { channel_id: seed.channels.telegram, address: response.json.data.address });
    expect(again.status).toBe(200);
    expect(await eventHead(h, seed.tenant_id)).toBe(head);
  });

  it('a reply: message.created then conversation.updated, the conversation as the API shows it after the send', async () => {
    const seed = await h.seedTenant();
    const conversationId = await newConversation(h, seed, 'telegram', chatId());
    const before = await eventHead(h, seed.tenant_id);
    const messageId = await sentMessageId(h, seed.access_token, conversationId, 'hello');
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`message.created#${messageId}`, `conversation.updated#${conversationId}`]);
    const [message, conversation] = await eventsAfter(h, seed.tenant_id, before);
    expect(message!.data).toMatchObject({ id: messageId, message: 'hello', is_customer: false, conversation_id: conversationId });
    expect(conversation!.data).toEqual(await getConversation(h, seed.access_token, conversationId));
  });

  it('POST …/read writes one conversation.updated however many messages it reads; reading again writes nothing', async () => {
    const seed = await h.seedTenant();
    const address = chatId();
    await applyActions(h, seed, 'telegram', [inboundText(address, 'one')]);
    await applyActions(h, seed, 'telegram', [inboundText(address, 'two')]);
    const conversationId = Number((await conversationByKey(h, seed, 'telegram', address))!.id);
    const before = await eventHead(h, seed.tenant_id);
    const read = () => h.request({ method: 'POST', url: `/api/v1/conversations/${conversationId}/read`, token: seed.access_token });
    expect((await read()).status).toBe(200);
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`conversation.updated#${conversationId}`]);
    const [event] = await eventsAfter(h, seed.tenant_id, before);
    expect(event!.data.unread_count).toBe('0');
    expect((await read()).status).toBe(200);
    expect(await eventHead(h, seed.tenant_id)).toBe(before + 1);
  });

  it('edit and delete: message.updated, with conversation.updated only when the preview or the unread count moves', async () => {
    const seed = await h.seedTenant();
    const conversationId = await newConversation(h, seed, 'telegram', chatId());
    const first = await sentMessageId(h, seed.access_token, conversationId, 'first');
    const newest = await sentMessageId(h, seed.access_token, conversationId, 'newest');
    const url = (id: number) => `/api/v1/conversations/${conversationId}/messages/${id}`;
    let before = await eventHead(h, seed.tenant_id);
    expect((await h.request({ method: 'PUT', url: url(first), token: seed.access_token, body: { message: 'edited' } })).status).toBe(200);
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`message.updated#${first}`]);
    before = await eventHead(h, seed.tenant_id);
    expect((await h.request({ method: 'PUT', url: url(newest), token: seed.access_token, body: { message: 'newer' } })).status).toBe(200);
    // Neither was created here: the groups' order puts the conversation first.
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`conversation.updated#${conversationId}`, `message.updated#${newest}`]);
    before = await eventHead(h, seed.tenant_id);
    expect((await h.request({ method: 'DELETE', url: url(first), token: seed.access_token })).status).toBe(200);
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`message.updated#${first}`]);
    expect((await eventsAfter(h, seed.tenant_id, before))[0]!.data.is_deleted).toBe(true);
    before = await eventHead(h, seed.tenant_id);
    expect((await h.request({ method: 'DELETE', url: url(first), token: seed.access_token })).status).toBe(200);
    expect(await eventHead(h, seed.tenant_id)).toBe(before);
  });

  it('pausing writes conversation.updated; resuming an agent that is not paused writes nothing', async () => {
    const seed = await h.seedTenant();
    const conversationId = await newConversation(h, seed, 'telegram', chatId());
    const call = (path: string, body?: unknown) =>
      h.request({ method: 'POST', url: `/api/v1/conversations/${conversationId}/agent/${path}`, token: seed.access_token, ...(body ? { body } : {}) });
    let before = await eventHead(h, seed.tenant_id);
    expect((await call('enable')).status).toBe(200);
    expect(await eventHead(h, seed.tenant_id)).toBe(before);
    expect((await call('disable', { duration_minutes: 5 })).status).toBe(200);
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`conversation.updated#${conversationId}`]);
    expect((await eventsAfter(h, seed.tenant_id, before))[0]!.data.agent_disabled).toBe(true);
    before = await eventHead(h, seed.tenant_id);
    expect((await call('enable')).status).toBe(200);
    expect(await eventSummary(h, seed.tenant_id, before)).toEqual([`conversation.updated#${conversationId}`]);
  });
});

describe('inbound', () => {
  it('a first inbound message: customer.created, conversation.created, message.created, by the customer', async () => {
    const seed = await h.seedTenant();
    const address = chatId();
    const before = await eventHead(h, seed.tenant_id);
    await applyActions(h, seed, 'telegram', [
      inboundText(address, 'hi', { profile: { firstName: 'Bo', lastName: null, username: null, phone: null, avatarUrl: null } }),
    ]);
    const conversation = (await conversationByKey(h, seed, 'telegram', address))!;
    const events = await eventsAfter(h, seed.tenant_id, before);
    expect(events.map((event) => `${event.type}#${String(event.data.id)}`)).toEqual([
      `customer.created#${conversation.customer_id}`,
      `conversation.created#${conversation.id}`,
      `message.created#${conversation.last_message_id}`,
    ]);
    expect(events.every((event) => event.actor_type === 'customer' && event.actor_id === Number(conversation.customer_id))).toBe(true);
    // The conversation's snapshot is its final state: it already shows the message.
    expect(events[1]!.data).toMatchObject({ last_message: 'hi', unread_count: '1', display_name: 'Bo' });
    const next = await eventHead(h, seed.tenant_id);
    await applyActions(h, seed, 'telegram', [inboundText(address, 'again')]);
    expect((await eventsAfter(h, seed.tenant_id, next)).map((event) => event.type)).toEqual(['message.created', 'conversation.updated']);
  });

  it('a flood block: blacklist_entry.created, then conversation.updated per conversation of the pair; quarantined messages emit nothing', async () => {
    const seed = await h.seedTenant();
    await sql(h, `UPDATE tenants SET settings = COALESCE(settings, '{}'::jsonb) || '{"flood":{"max_messages":2,"window_seconds":60}}'::jsonb WHERE id = $1`, [
      seed.tenant_id,
    ]);
    const address = chatId();
    await applyActions(h, seed, 'telegram', [inboundText(address, 'one')]);
    await applyActions(h, seed, 'telegram', [inboundText(address, 'two')]);
    const conversation = (await conversationByKey(h, seed, 'telegram', address))!;
    const before = await eventHead(h, seed.tenant_id);
    expect(await applyActions(h, seed, 'telegram', [inboundText(address, 'three')])).toBe('quarantined');
    const events = await eventsAfter(h, seed.tenant_id, before);
    expect(events.map((event) => event.type)).toEqual(['blacklist_entry.created', 'conversation.updated']);
    expect(events.every((event) => event.actor_type === 'system')).toBe(true);
    expect(events[1]!.data).toMatchObject({ id: Number(conversation.id), blacklist: { id: events[0]!.data.id, reason: 'rate_limit' } });
    const head = await eventHead(h, seed.tenant_id);
    expect(await applyActions(h, seed, 'telegram', [inboundText(address, 'four')])).toBe('quarantined');
    expect(await eventHead(h, seed.tenant_id)).toBe(head);
  });

  it('a delivery status from the provider: message.delivery_status_changed, by the system; the same status again nothing', async () => {
    const seed = await h.seedTenant();
    const conversationId = await newConversation(h, seed, 'telegram', chatId());
    const messageId = await insertMessage(h, seed.tenant_id, conversationId, { isCustomer: false });
    await sql(h, "UPDATE messages SET provider_message_id = 'pm-1', delivery_status = 'sent' WHERE tenant_id = $1 AND id = $2", [seed.tenant_id, messageId]);
    const before = await eventHead(h, seed.tenant_id);
    const status = { kind: 'status' as const, providerMessageId: 'pm-1', status: 'delivered' as const, failureReason: null };
    expect(await applyActions(h, seed, 'telegram', [status])).toBe('status');
    const events = await eventsAfter(h, seed.tenant_id, before);
    expect(events.map((event) => [event.type, event.data.id, event.actor_type])).toEqual([['message.delivery_status_changed', messageId, 'system']]);
    expect(JSON.parse(String(events[0]!.data.metadata)).delivery_status).toBe('delivered');
    expect(await applyActions(h, seed, 'telegram', [status])).toBe('ignored');
    expect(await eventHead(h, seed.tenant_id)).toBe(before + 1);
  });
});
