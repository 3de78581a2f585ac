/**
 * Idempotency-Key on POST under /api/v1 (docs/idempotency.md): replays byte for byte, 422 for another request with
 * the key, the scope of a key, what is stored and what releases the key, its 24 hours, encryption at rest.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { messageCounts, sql, applicationToken } from '../support/factories.js';
import { newConversation } from '../support/requests.js';
import { keyed, keyRows } from '../support/idempotency.js';
import { eventHead, eventSummary } from '../support/events.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const newKey = () => crypto.randomUUID();

function expectReplayOf(
  replay: { status: number; body: string; headers: Record<string, unknown> },
  first: { status: number; body: string; headers: Record<string, unknown> },
) {
  expect(replay.status).toBe(first.status);
  expect(replay.body).toBe(first.body);
  expect(replay.headers['content-type']).toBe(first.headers['content-type']);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  expect(replay.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  expect(replay.headers['x-ratelimit-remaining']).toBeDefined();
}

describe('replay', () => {
  it('a text message sent twice with one key is sent once; the second answer is the first, byte for byte', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-replay');
    const key = newKey();
    const send = (body: unknown) => keyed(h, key, { url: `/api/v1/conversations/${conversation}/messages`, token: seed.access_token, body });
    const first = await send({ message: 'Hello once', quoted_message_id: null });
    expect(first.status, first.body).toBe(200);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
    // Another spelling of the same request: trailing white space trimmed, another key order, a trailing slash, a query.
    const again = await keyed(h, key, {
      url: `/api/v1/conversations/${conversation}/messages/?x=1`,
      token: seed.access_token,
      payload: '{ "quoted_message_id": null, "message": "Hello once  " }',
      headers: { 'content-type': 'application/json' },
    });
    expectReplayOf(again, first);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
    // Without the key the same body is another message.
    const unkeyed = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversation}/messages`,
      token: seed.access_token,
      body: { message: 'Hello once' },
    });
    expect(unkeyed.status).toBe(200);
    expect(unkeyed.headers['idempotent-replayed']).toBeUndefined();
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 2, rows: 2 });
  });

  it("a keyed send writes its events with the request's transaction (docs/events.md); the replay writes none", async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-events');
    const head = await eventHead(h, seed.tenant_id);
    const key = newKey();
    const send = () => keyed(h, key, { url: `/api/v1/conversations/${conversation}/messages`, token: seed.access_token, body: { message: 'Evented once' } });
    expect((await send()).status).toBe(200);
    const types = async () => (await eventSummary(h, seed.tenant_id, head)).map((event) => event.split('#')[0]);
    expect(await types()).toEqual(['message.created', 'conversation.updated']);
    expect((await send()).headers['idempotent-replayed']).toBe('true');
    expect(await types()).toHaveLength(2);
  });

  it('a created customer (201) is replayed as 201 and created once', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    const body = { first_name: 'Ada', email: 'ada-replay@example.com' };
    const first = await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body });
    expect(first.status, first.body).toBe(201);
    const again = await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body });
    expectReplayOf(again, first);
    const rows = await sql(h, 'SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND email = $2', [seed.tenant_id, body.email]);
    expect(rows[0]!.n).toBe(1);
  });

  it('POST /conversations answering 200 (it existed) is stored and replayed as 200', async () => {
    const seed = await h.seedTenant();
    const body = { channel_id: seed.channels.website, address: 'visitor-existing' };
    await newConversation(h, seed, 'website', 'visitor-existing');
    const key = newKey();
    const first = await keyed(h, key, { url: '/api/v1/conversations', token: seed.access_token, body });
    expect(first.status, first.body).toBe(200);
    const again = await keyed(h, key, { url: '/api/v1/conversations', token: seed.access_token, body });
    expectReplayOf(again, first);
  });

  it('a key whose answer the client never read replays the committed result, even from another server process', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-lost');
    const key = newKey();
    const url = `/api/v1/conversations/${conversation}/messages`;
    // The answer is lost on the way (the request committed, the client saw nothing).
    void (await keyed(h, key, { url, token: seed.access_token, body: { message: 'lost answer' } }));
    const [stored] = await keyRows(h, seed.tenant_id);
    expect(stored).toMatchObject({ status: 200, claim: null });
    const [message] = await sql(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [seed.tenant_id, conversation]);
    // Another process, nothing shared but the database, answers the retry.
    const { buildApp } = await import('../../src/app.js');
    const other = await buildApp(h.deps);
    try {
      const retry = await other.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${seed.access_token}`, 'content-type': 'application/json', 'idempotency-key': key },
        payload: JSON.stringify({ message: 'lost answer' }),
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(JSON.parse(retry.body).data.message_id).toBe(String(message!.id));
    } finally {
      await other.close();
    }
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });
});

describe('another request with the key', () => {
  it('a different body answers 422 idempotency_key_reused and performs nothing', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-reused');
    const key = newKey();
    const url = `/api/v1/conversations/${conversation}/messages`;
    expect((await keyed(h, key, { url, token: seed.access_token, body: { message: 'one' } })).status).toBe(200);
    const other = await keyed(h, key, { url, token: seed.access_token, body: { message: 'two' } });
    expect(other.status).toBe(422);
    expect(other.body).toBe(
      JSON.stringify({
        error: 'idempotency_key_reused',
        message: 'This Idempotency-Key was already used for a different request.',
        errors: { idempotency_key: ['This Idempotency-Key was already used for a different request.'] },
      }),
    );
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });

  it('one key on two POST routes is two different requests: 422 on the second route', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Two routes' } })).status).toBe(201);
    const conversation = await keyed(h, key, {
      url: '/api/v1/conversations',
      token: seed.access_token,
      body: { channel_id: seed.channels.website, address: 'two-routes' },
    });
    expect(conversation.status).toBe(422);
    expect(conversation.json.error).toBe('idempotency_key_reused');
    const rows = await sql(h, `SELECT count(*)::int AS n FROM conversations WHERE tenant_id = $1 AND address = 'two-routes'`, [seed.tenant_id]);
    expect(rows[0]!.n).toBe(0);
  });

  it('keys are scoped by tenant, subject and client: the same key of another principal is another key', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    const body = { first_name: 'Scoped' };
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body })).status).toBe(201);
    // A refreshed token of the same user and client is still recognised.
    const refreshed = await h.token(seed.user_id);
    expect((await keyed(h, key, { url: '/api/v1/customers', token: refreshed, tenant: seed.tenant_id, body })).headers['idempotent-replayed']).toBe('true');
    // The tenant's application, and another tenant's owner, run their own request.
    const application = await keyed(h, key, { url: '/api/v1/customers', token: await applicationToken(h, seed), body });
    expect(application.status).toBe(201);
    expect(application.headers['idempotent-replayed']).toBeUndefined();
    const otherTenant = await h.seedTenant();
    const elsewhere = await keyed(h, key, { url: '/api/v1/customers', token: otherTenant.access_token, body });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
  });
});
