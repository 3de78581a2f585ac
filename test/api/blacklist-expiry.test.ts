/**
 * Blacklist expiry with the controllable clock (docs/domain-rules.md#channel-blacklist, no sleeping) and the one-active-entry rule
 * under concurrent requests (docs/domain-rules.md#channel-blacklist).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { currentEngine } from '../support/test-database.js';
import { expectExactJson } from '../support/assertions.js';
import { allConversations, postConversation } from '../support/requests.js';
import { sql } from '../support/factories.js';
import { ALREADY_BLOCKED, apiTimeIn, block, insertCustomer, listedEntry, listedIds, postBlock, putEntry, tenantWithCustomer } from '../support/blacklist.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('expiry', () => {
  it('a temporary entry is active one second before expires_at and expired exactly at it, everywhere at once', async () => {
    const seed = await h.seedTenant({ conversations: 0, customers: 0 });
    const conversation = (await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address: '+90 533 100 20 30', first_name: 'Can' })).json.data;
    const pair = { channel_id: seed.channels.whatsapp, customer_id: conversation.customer.id };
    const entry = await block(h, seed, { ...pair, ttl_seconds: 7200 });
    const blacklistOfConversation = async () => (await allConversations(h, seed)).find((row) => row.id === conversation.id).blacklist;

    h.clock.advance(7199);
    const before = await listedEntry(h, seed, entry.id);
    expect(before).toMatchObject({ is_active: true, is_expired: false, is_permanent: false, remaining_time: '1 minute' });
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([entry.id]);
    expect(await listedIds(h, seed.access_token, '?active=0')).toEqual([]);
    expectExactJson(await blacklistOfConversation(), before);
    expectExactJson((await postBlock(h, seed.access_token, { ...pair, reason: 'manual' })).json, ALREADY_BLOCKED);

    h.clock.advance(1);
    const at = await listedEntry(h, seed, entry.id);
    expectExactJson(at, { ...before, is_expired: true, remaining_time: null });
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([]);
    expect(await listedIds(h, seed.access_token, '?active=0')).toEqual([entry.id]);
    expect(await blacklistOfConversation()).toBeNull();

    // A new block is allowed the second the old one expired, and it is what the conversation shows.
    const again = await block(h, seed, { ...pair, reason: 'rate_limit', ttl_seconds: 60 });
    expect(again.blocked_at).toBe(apiTimeIn(h, 0));
    expectExactJson(await blacklistOfConversation(), again);
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([again.id]);
    expect(await listedIds(h, seed.access_token, '?active=0')).toEqual([entry.id]);
  });

  it('a permanent entry never expires', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const entry = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    h.clock.advance(11 * 365 * 86400);
    // The seed's token expired meanwhile; a fresh one reads the same entry.
    const token = await h.token(seed.user_id);
    const response = await h.request({ url: '/api/v1/channel-blacklists?active=1', token });
    expect(response.json.data.map((row: any) => row.id)).toEqual([entry.id]);
    expectExactJson(response.json.data[0], entry);
    expectExactJson((await postBlock(h, token, { channel_id: channelId, customer_id: customer.id, reason: 'manual' })).json, ALREADY_BLOCKED);
  });

  it('remaining_time follows docs/domain-rules.md#channel-blacklist and counts down with the clock', async () => {
    const { seed, channelId } = await tenantWithCustomer(h);
    const cases: Array<[number, string]> = [
      [7200, '2 hours'],
      [7199, '2 hours'],
      [7500, '2 hours 5 minutes'],
      [3 * 86400, '3 days'],
      [86400 + 5 * 3600 + 1800, '1 day 5 hours'],
      [86400 + 1800, '1 day'],
      [90, '2 minutes'],
      [1, '1 minute'],
      [60, '1 minute'],
      [3660, '1 hour 1 minute'],
      [86400 + 60, '1 day'],
    ];
    const created: Array<[number, string]> = [];
    for (const [ttl, text] of cases) {
      const customer = await insertCustomer(h, seed.tenant_id);
      const entry = await block(h, seed, { channel_id: channelId, customer_id: customer.id, ttl_seconds: ttl });
      expect([entry.expires_at, entry.remaining_time], `${ttl} s`).toEqual([apiTimeIn(h, ttl), text]);
      created.push([entry.id, text]);
    }
    h.clock.advance(30);
    const after: Record<number, string | null> = {};
    for (const [id] of created) after[id] = (await listedEntry(h, seed, id)).remaining_time;
    expect(Object.values(after)).toEqual([
      '2 hours',
      '2 hours',
      '2 hours 5 minutes',
      '3 days',
      '1 day 5 hours',
      '1 day',
      '1 minute',
      null,
      '1 minute',
      '1 hour 1 minute',
      '1 day',
    ]);
  });

  it('PUT can revive an expired entry when no other is active, and answers 409 when one is', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const pair = { channel_id: channelId, customer_id: customer.id };
    const first = await block(h, seed, { ...pair, ttl_seconds: 10 });
    h.clock.advance(10);
    const revived = await putEntry(h, seed.access_token, first.id, { expires_at: apiTimeIn(h, 3600) });
    expect(revived.status, revived.body).toBe(200);
    expect(revived.json.data).toMatchObject({ is_active: true, is_expired: false, remaining_time: '1 hour', blocked_at: first.blocked_at });
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([first.id]);

    await putEntry(h, seed.access_token, first.id, { expires_at: apiTimeIn(h, 0) });
    const second = await block(h, seed, pair);
    for (const body of [{ expires_at: null }, { expires_at: apiTimeIn(h, 1) }, { expires_at: '2099-01-01' }]) {
      expectExactJson((await putEntry(h, seed.access_token, first.id, body)).json, ALREADY_BLOCKED);
    }
    // Moving the expiry of an expired entry within the past keeps it expired: no conflict.
    expect((await putEntry(h, seed.access_token, first.id, { expires_at: apiTimeIn(h, -60), note: 'past' })).status).toBe(200);
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([second.id]);
  });
});

describe('concurrent writes of one channel and customer', () => {
  it('ten simultaneous blocks: exactly one 201, nine 409, one stored entry', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const body = { channel_id: channelId, customer_id: customer.id, reason: 'rate_limit', ttl_seconds: 600 };
    const responses = await Promise.all(Array.from({ length: 10 }, () => postBlock(h, seed.access_token, body)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const response of responses.filter((item) => item.status === 409)) expectExactJson(response.json, ALREADY_BLOCKED);
    const rows = await sql(h, 'SELECT id FROM channel_blacklists WHERE tenant_id = $1', [seed.tenant_id]);
    expect(rows.map((row) => Number(row.id))).toEqual([responses.find((item) => item.status === 201)!.json.data.id]);
  });

  // Requests through inject rarely overlap inside the transaction by chance, so hold every insert into the table
  // until all of them wait: without the per-pair lock each would have seen "no active entry" and inserted one.
  // PGlite has a single connection, so requests cannot wait on each other there: the case exists on PostgreSQL only.
  if (currentEngine() === 'postgres')
    it('blocks that all passed validation together still give exactly one 201 (PostgreSQL)', async () => {
      const { seed, customer, channelId } = await tenantWithCustomer(h);
      const body = { channel_id: channelId, customer_id: customer.id, reason: 'manual' };
      const requests = 8; // the test pool has 10 connections: one holds the table lock, one stays free for the pipeline
      const responses = await h.deps.db.session(async (session) => {
        await session.query('BEGIN');
        await session.query('LOCK TABLE channel_blacklists IN EXCLUSIVE MODE');
        const pending = Promise.all(Array.from({ length: requests }, () => postBlock(h, seed.access_token, body)));
        for (let attempt = 0; ; attempt++) {
          const [row] = (
            await session.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_locks
            WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            )
          ).rows;
          if (row!.waiting >= requests) break;
          if (attempt > 500) throw new Error(`only ${row!.waiting} requests reached the lock`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await session.query('COMMIT');
        return pending;
      });
      expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(requests - 1).fill(409)]);
      expect(await sql(h, 'SELECT id FROM channel_blacklists WHERE tenant_id = $1', [seed.tenant_id])).toHaveLength(1);
    });

  it('simultaneous reactivations of two inactive entries: exactly one succeeds', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const pair = { channel_id: channelId, customer_id: customer.id };
    const ids: number[] = [];
    for (let index = 0; index < 2; index++) {
      const entry = await block(h, seed, pair);
      await putEntry(h, seed.access_token, entry.id, { is_active: false });
      ids.push(entry.id);
    }
    const [a, b, post] = await Promise.all([
      putEntry(h, seed.access_token, ids[0]!, { is_active: true }),
      putEntry(h, seed.access_token, ids[1]!, { is_active: true }),
      postBlock(h, seed.access_token, { ...pair, reason: 'manual' }),
    ]);
    expect([a.status, b.status, post.status].filter((status) => status < 300)).toHaveLength(1);
    expect([a, b, post].filter((response) => response.status === 409)).toHaveLength(2);
    expect(await listedIds(h, seed.access_token, '?active=1')).toHaveLength(1);
  });

  it('blocks of different customers do not wait for each other or conflict', async () => {
    const { seed, channelId } = await tenantWithCustomer(h);
    const customers = await Promise.all(Array.from({ length: 5 }, () => insertCustomer(h, seed.tenant_id)));
    const responses = await Promise.all(
      customers.map((customer) => postBlock(h, seed.access_token, { channel_id: channelId, customer_id: customer.id, reason: 'manual' })),
    );
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
  });
});
