/**
 * GET /api/v1/events/log (docs/events.md#polling-the-log): the Event resource, paging by cursor, visibility and
 * `types`, resets for cursors outside the log, validation, and links made when the event is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectValidationError } from '../support/assertions.js';
import { applicationToken } from '../support/factories.js';
import { multipartBody, PNG_BYTES } from '../support/multipart.js';
import { getConversation, listedMessage, newConversation, postConversation, sentMessageId } from '../support/requests.js';
import { eventHead } from '../support/events.js';
import { pruneEvents } from '../../src/modules/events/event-log.repository.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const EVENT_KEYS = ['id', 'type', 'timestamp', 'tenant_id', 'actor', 'data'];
const META_KEYS = ['reset', 'after', 'next_after', 'has_more', 'oldest_event_id', 'newest_event_id'];
let serial = 0;
const address = () => `log-${process.pid}-${++serial}`;

function readLog(token: string, query = '') {
  return h.request({ url: `/api/v1/events/log${query}`, token });
}

/** A tenant with four events: customer.created, conversation.created (POST /conversations), message.created, conversation.updated (a reply). */
async function tenantWithEvents(): Promise<{ seed: SeedResult; conversationId: number; messageId: number }> {
  const seed = await h.seedTenant();
  const conversationId = await newConversation(h, seed, 'telegram', address());
  const messageId = await sentMessageId(h, seed.access_token, conversationId, 'Hello');
  return { seed, conversationId, messageId };
}

describe('reading the log', () => {
  it('answers every event from the oldest in id order, as Event resources, with the documented meta', async () => {
    const { seed, conversationId, messageId } = await tenantWithEvents();
    const response = await readLog(seed.access_token);
    expect(response.status, response.body).toBe(200);
    expect(Object.keys(response.json)).toEqual(['data', 'meta']);
    expect(response.json.meta).toEqual({ reset: false, after: 0, next_after: 4, has_more: false, oldest_event_id: 1, newest_event_id: 4 });
    expect(Object.keys(response.json.meta)).toEqual(META_KEYS);
    const events = response.json.data;
    expect(events.map((event: any) => [event.id, event.type])).toEqual([
      [1, 'customer.created'],
      [2, 'conversation.created'],
      [3, 'message.created'],
      [4, 'conversation.updated'],
    ]);
    for (const event of events) {
      expect(Object.keys(event)).toEqual(EVENT_KEYS);
      expect(Object.keys(event.actor)).toEqual(['type', 'id', 'name']);
      expect(event.tenant_id).toBe(seed.tenant_id);
      expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(event.actor).toMatchObject({ type: 'user', id: seed.user_id });
    }
    expect(events[2].data).toEqual(await listedMessage(h, seed.access_token, conversationId, messageId));
    expect(events[3].data).toEqual(await getConversation(h, seed.access_token, conversationId));
  });

  it('pages by cursor: limit, next_after and has_more; polling at the head answers nothing more', async () => {
    const { seed } = await tenantWithEvents();
    const first = await readLog(seed.access_token, '?limit=3');
    expect(first.json.data.map((event: any) => event.id)).toEqual([1, 2, 3]);
    expect(first.json.meta).toMatchObject({ after: 0, next_after: 3, has_more: true });
    const second = await readLog(seed.access_token, '?after=3&limit=3');
    expect(second.json.data.map((event: any) => event.id)).toEqual([4]);
    expect(second.json.meta).toMatchObject({ reset: false, after: 3, next_after: 4, has_more: false });
    const idle = await readLog(seed.access_token, '?after=4');
    expect(idle.json).toEqual({ data: [], meta: { reset: false, after: 4, next_after: 4, has_more: false, oldest_event_id: 1, newest_event_id: 4 } });
  });

  it('types[] keeps only those types; next_after still moves past the events it skipped', async () => {
    const { seed } = await tenantWithEvents();
    const response = await readLog(seed.access_token, '?types[]=message.created');
    expect(response.json.data.map((event: any) => event.type)).toEqual(['message.created']);
    expect(response.json.meta).toMatchObject({ next_after: 4, has_more: false });
  });

  it('customer events need the customers:read scope; the others only conversations:read', async () => {
    const { seed } = await tenantWithEvents();
    const narrow = await h.token(seed.user_id, { scopes: ['conversations:read'], tenant: seed.tenant_id });
    const response = await h.request({ url: '/api/v1/events/log', token: narrow, tenant: seed.tenant_id });
    expect(response.status, response.body).toBe(200);
    expect(response.json.data.map((event: any) => event.type)).toEqual(['conversation.created', 'message.created', 'conversation.updated']);
  });

  it('stops scanning at ten times the limit and says where it stopped', async () => {
    const { seed, conversationId } = await tenantWithEvents();
    for (let i = 0; i < 6; i++) await sentMessageId(h, seed.access_token, conversationId, `more ${i}`);
    // 16 events, only customer.created (id 1) and nothing else of that type: limit 1 scans ids 1 … 10 at most.
    const response = await readLog(seed.access_token, '?after=1&limit=1&types[]=customer.created');
    expect(response.json.data).toEqual([]);
    expect(response.json.meta).toMatchObject({ after: 1, next_after: 11, has_more: true, newest_event_id: 16 });
  });
});

describe('resets', () => {
  it('a cursor beyond the head, or below pruned_through, answers reset with the head as next_after', async () => {
    const { seed } = await tenantWithEvents();
    const beyond = await readLog(seed.access_token, '?after=99');
    expect(beyond.json).toEqual({ data: [], meta: { reset: true, after: 99, next_after: 4, has_more: false, oldest_event_id: 1, newest_event_id: 4 } });
    // Events 1 … 4 were written now; a cut-off a second later prunes them all.
    await pruneEvents(h.deps.db, new Date(h.clock.now().getTime() + 1000));
    const expired = await readLog(seed.access_token, '?after=2');
    expect(expired.json.meta).toEqual({ reset: true, after: 2, next_after: 4, has_more: false, oldest_event_id: null, newest_event_id: 4 });
    // Without a cursor the log starts at pruned_through: never a reset.
    const fresh = await readLog(seed.access_token);
    expect(fresh.json.meta).toEqual({ reset: false, after: 4, next_after: 4, has_more: false, oldest_event_id: null, newest_event_id: 4 });
    expect((await readLog(seed.access_token, '?after=4')).json.meta.reset).toBe(false);
  });

  it('a tenant without events answers an empty log at head 0', async () => {
    const seed = await h.seedTenant();
    expect((await readLog(seed.access_token)).json).toEqual({
      data: [],
      meta: { reset: false, after: 0, next_after: 0, has_more: false, oldest_event_id: null, newest_event_id: 0 },
    });
  });
});

describe('validation', () => {
  it('answers the documented 422 messages', async () => {
    const seed = await h.seedTenant();
    expectValidationError(await readLog(seed.access_token, '?after=abc'), { after: ['The after field must be an integer.'] });
    expectValidationError(await readLog(seed.access_token, '?after=-1'), { after: ['The after field must be at least 0.'] });
    expectValidationError(await readLog(seed.access_token, '?limit=0'), { limit: ['The limit field must be at least 1.'] });
    expectValidationError(await readLog(seed.access_token, '?limit=501'), { limit: ['The limit field must not be greater than 500.'] });
    expectValidationError(await readLog(seed.access_token, '?types=message.created'), { types: ['The types field must be an array.'] });
    expectValidationError(await readLog(seed.access_token, '?types[]=message.exploded'), { 'types.0': ['The selected types.0 is invalid.'] });
  });
});

describe('links and actors', () => {
  it('a file link is signed when the event is read, on the request origin; the actor of a client-credentials token is its application', async () => {
    const seed = await h.seedTenant();
    const conversationId = await newConversation(h, seed, 'telegram', address());
    const before = await eventHead(h, seed.tenant_id);
    const token = await applicationToken(h, seed);
    const { payload, contentType } = multipartBody([{ name: 'file', filename: 'label.png', contentType: 'image/png', data: PNG_BYTES }]);
    const sent = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages/media`,
      token,
      headers: { 'content-type': contentType },
      payload,
    });
    expect(sent.status, sent.body).toBe(200);
    const [created] = (await readLog(seed.access_token, `?after=${before}`)).json.data;
    expect(created.type).toBe('message.created');
    expect(created.actor).toEqual({ type: 'application', id: expect.any(Number), name: 'Demo App' });
    const url: string = created.data.file.temporary_url;
    expect(url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:8080/api/v1/files/${created.data.file.id}/content\\?t=${seed.tenant_id}&expires=\\d+&signature=[0-9a-f]{64}$`),
    );
    expect(created.data.file_temporary_url).toBe(url);
    expect((await h.request({ url: url.replace('http://127.0.0.1:8080', '') })).status).toBe(200);
  });

  it("a channel's webhook_url is made absolute when read", async () => {
    const seed = await h.seedTenant();
    const before = await eventHead(h, seed.tenant_id);
    const updated = await h.request({ method: 'PUT', url: `/api/v1/channels/${seed.channels.telegram}`, token: seed.access_token, body: { name: 'Bot' } });
    expect(updated.status, updated.body).toBe(200);
    const [event] = (await readLog(seed.access_token, `?after=${before}`)).json.data;
    expect(event.type).toBe('channel.updated');
    expect(event.data).toEqual(updated.json.data);
    expect(event.data.webhook_url).toBe(`http://127.0.0.1:8080/webhooks/telegram/${seed.channels.telegram}`);
  });

  it('POST /conversations answering 201 writes customer.created with the customer as the API shows it', async () => {
    const seed = await h.seedTenant();
    const created = await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address: '+905551234567', first_name: 'Ada' });
    const [customer] = (await readLog(seed.access_token, '?types[]=customer.created')).json.data;
    const shown = await h.request({ url: `/api/v1/customers/${created.json.data.customer.id}`, token: seed.access_token });
    expect(customer.data).toEqual(shown.json.data);
  });
});
