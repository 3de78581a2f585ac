/**
 * ConversationResource (docs/responses.md#resources, docs/domain-rules.md#conversations) as the list and POST /conversations show it:
 * key order at every level, JSON types, derived message fields, the blacklist field and the agent pause fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { BLACKLIST_KEYS, CONVERSATION_CHANNEL_KEYS, CONVERSATION_CUSTOMER_KEYS, CONVERSATION_KEYS, TIMESTAMP, apiTime } from '../support/shapes.js';
import { expectExactJson } from '../support/assertions.js';
import { allConversations, postConversation } from '../support/requests.js';
import { insertBlacklist, sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function listed(seed: SeedResult, id: number): Promise<any> {
  const row = (await allConversations(h, seed)).find((conversation) => conversation.id === id);
  expect(row, `conversation ${id} is listed`).toBeDefined();
  return row;
}

async function created(seed: SeedResult, body: Record<string, unknown>): Promise<any> {
  const response = await postConversation(h, seed, body);
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

const nullableString = (value: unknown) => value === null || typeof value === 'string';

describe('key order and JSON types', () => {
  it('every seeded conversation has the documented keys, types and derived message fields', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const rows = await allConversations(h, seed);
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(CONVERSATION_KEYS);
      expect(Object.keys(row.customer)).toEqual(CONVERSATION_CUSTOMER_KEYS);
      expect(Object.keys(row.channel)).toEqual(CONVERSATION_CHANNEL_KEYS);
      expect(Number.isInteger(row.id)).toBe(true);
      expect(typeof row.display_name).toBe('string');
      expect(row.last_message_id).toMatch(/^[1-9][0-9]*$/);
      expect(row.unread_count).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(row.last_message_at).toMatch(TIMESTAMP);
      expect(typeof row.last_message_is_customer).toBe('boolean');
      expect([row.agent_disabled, row.agent_expires_at, row.agent_disabled_by_user_name, row.blacklist]).toEqual([false, null, null, null]);
      expect(Number.isInteger(row.customer.id) && Number.isInteger(row.channel.id)).toBe(true);
      expect(['whatsapp', 'instagram', 'website', 'telegram']).toContain(row.channel.type);
      for (const key of ['first_name', 'last_name', 'phone_number', 'avatar_url']) expect(nullableString(row.customer[key])).toBe(true);

      const [newest] = await sql(
        h,
        `SELECT id, message, message_type, is_customer, created_at FROM messages
                                      WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
        [seed.tenant_id, row.id],
      );
      expect(row.last_message_id).toBe(String(newest!.id));
      expect(row.last_message).toBe(newest!.message);
      expect(row.last_message_at).toBe(apiTime(new Date(newest!.created_at)));
      expect(row.last_message_type).toBe(newest!.message_type);
      expect(row.last_message_is_customer).toBe(newest!.is_customer);
      const [unread] = await sql(
        h,
        `SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND conversation_id = $2
                                      AND is_customer AND NOT is_deleted AND read_at IS NULL`,
        [seed.tenant_id, row.id],
      );
      expect(row.unread_count).toBe(String(unread!.n));
      const [customer] = await sql(h, 'SELECT first_name, last_name, phone_number FROM customers WHERE tenant_id = $1 AND id = $2', [
        seed.tenant_id,
        row.customer.id,
      ]);
      expect(row.display_name).toBe(`${customer!.first_name} ${customer!.last_name}`);
      expect(row.customer.phone_number).toBe(customer!.phone_number);
    }
    expect(rows.some((row) => row.unread_count !== '0')).toBe(true);
  });

  it('a conversation without messages, names or block', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const data = await created(seed, { channel_id: seed.channels.telegram, address: '@kaanyilmaz' });
    const [channel] = await sql(h, 'SELECT name, address FROM channels WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.telegram]);
    const expected = {
      id: data.id,
      display_name: '@kaanyilmaz',
      address: '@kaanyilmaz',
      last_message_id: null,
      last_message: null,
      last_message_at: null,
      last_message_type: null,
      last_message_is_customer: null,
      unread_count: '0',
      agent_disabled: false,
      agent_expires_at: null,
      agent_disabled_by_user_name: null,
      customer: { id: data.customer.id, first_name: null, last_name: null, phone_number: null, avatar_url: null },
      channel: { id: seed.channels.telegram, name: channel!.name, type: 'telegram', address: channel!.address },
      blacklist: null,
    };
    expectExactJson(data, expected);
    expectExactJson(await listed(seed, data.id), expected);
  });

  it('display_name uses the names that exist, else the address', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const web = seed.channels.website;
    expect((await created(seed, { channel_id: web, address: 'v-1', first_name: 'Ada' })).display_name).toBe('Ada');
    expect((await created(seed, { channel_id: web, address: 'v-2', last_name: 'Lovelace' })).display_name).toBe('Lovelace');
    expect((await created(seed, { channel_id: web, address: 'v-3', first_name: ' Ada ', last_name: ' Lovelace ' })).display_name).toBe('Ada Lovelace');
    expect((await created(seed, { channel_id: web, address: ' v-4 ', first_name: '   ' })).display_name).toBe('v-4');
  });

  it('a soft-deleted customer still shows in customer', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const data = await created(seed, { channel_id: seed.channels.website, address: 'v-gone', first_name: 'Gone', last_name: 'Soon' });
    await sql(h, 'UPDATE customers SET deleted_at = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, data.customer.id, h.clock.now()]);
    const row = await listed(seed, data.id);
    expect(row.customer).toEqual(data.customer);
    expect(row.display_name).toBe('Gone Soon');
  });
});

describe('blacklist', () => {
  async function blockedConversation() {
    const seed = await h.seedTenant({ conversations: 0 });
    const data = await created(seed, { channel_id: seed.channels.whatsapp, address: '+90 532 111 22 33', first_name: 'Elif', last_name: 'Demir' });
    return { seed, data };
  }

  it('shows the active entry as a full ChannelBlacklistResource, remaining_time from the clock, null from expiry on', async () => {
    const { seed, data } = await blockedConversation();
    const now = h.clock.now();
    const expiresAt = new Date(now.getTime() + 7500_000);
    const id = await insertBlacklist(h, {
      tenantId: seed.tenant_id,
      channelId: seed.channels.whatsapp,
      customerId: data.customer.id,
      reason: 'abusive_language',
      note: 'Insults in chat',
      blockedAt: now,
      expiresAt,
      metadata: { source: 'inbox' },
    });
    const [channel] = await sql(h, 'SELECT name, address FROM channels WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.whatsapp]);
    const expected = {
      id,
      tenant_id: seed.tenant_id,
      reason: 'abusive_language',
      reason_label: 'Abusive language',
      note: 'Insults in chat',
      blocked_at: apiTime(now),
      expires_at: apiTime(expiresAt),
      is_active: true,
      is_permanent: false,
      is_expired: false,
      remaining_time: '2 hours 5 minutes',
      metadata: { source: 'inbox' },
      created_at: apiTime(now),
      updated_at: apiTime(now),
      deleted_at: null,
      channel: { id: seed.channels.whatsapp, name: channel!.name, address: channel!.address },
      customer: { id: data.customer.id, first_name: 'Elif', last_name: 'Demir', phone_number: '+905321112233', email: null },
    };
    const row = await listed(seed, data.id);
    expect(Object.keys(row.blacklist)).toEqual(BLACKLIST_KEYS);
    expectExactJson(row.blacklist, expected);
    // The POST that finds the existing conversation shows the same block.
    const again = await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address: '905321112233' });
    expect(again.status).toBe(200);
    expectExactJson(again.json.data.blacklist, expected);

    const steps: Array<[number, string | null]> = [
      [1, '2 hours 5 minutes'],
      [7500 - 90 - 1, '2 minutes'],
      [89, '1 minute'],
      [1, null],
      [1, null],
    ];
    for (const [seconds, remaining] of steps) {
      h.clock.advance(seconds);
      const current = (await listed(seed, data.id)).blacklist;
      if (remaining === null) expect(current).toBeNull();
      else expect(current.remaining_time).toBe(remaining);
    }
  });

  it('remaining_time follows docs/domain-rules.md#channel-blacklist', async () => {
    const { seed, data } = await blockedConversation();
    const id = await insertBlacklist(h, {
      tenantId: seed.tenant_id,
      channelId: seed.channels.whatsapp,
      customerId: data.customer.id,
      expiresAt: h.clock.now(),
    });
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
      [61, '2 minutes'],
      [3660, '1 hour 1 minute'],
      [2 * 86400 + 60, '2 days'],
    ];
    for (const [seconds, text] of cases) {
      await sql(h, 'UPDATE channel_blacklists SET expires_at = $3 WHERE tenant_id = $1 AND id = $2', [
        seed.tenant_id,
        id,
        new Date(h.clock.now().getTime() + seconds * 1000),
      ]);
      expect((await listed(seed, data.id)).blacklist?.remaining_time, `${seconds} s`).toBe(text);
    }
  });

  it('inactive, soft-deleted, expired and other channel/customer entries never show', async () => {
    const { seed, data } = await blockedConversation();
    const other = await created(seed, { channel_id: seed.channels.whatsapp, address: '+90 532 999 88 77' });
    const now = h.clock.now();
    const future = new Date(now.getTime() + 86400_000);
    const base = { tenantId: seed.tenant_id, channelId: seed.channels.whatsapp, customerId: data.customer.id, reason: 'manual' };
    await insertBlacklist(h, { ...base, expiresAt: future, isActive: false });
    await insertBlacklist(h, { ...base, expiresAt: null, deletedAt: now });
    await insertBlacklist(h, { ...base, expiresAt: new Date(now.getTime() - 1000) });
    await insertBlacklist(h, { ...base, expiresAt: now });
    await insertBlacklist(h, { ...base, channelId: seed.channels.telegram, expiresAt: null });
    await insertBlacklist(h, { ...base, customerId: other.customer.id, expiresAt: null });
    expect((await listed(seed, data.id)).blacklist).toBeNull();
    const active = await insertBlacklist(h, { ...base, reason: 'rate_limit', expiresAt: future });
    const row = await listed(seed, data.id);
    expect(row.blacklist.id).toBe(active);
    expect(row.blacklist.reason_label).toBe('Rate limit');
    expect(row.blacklist.channel.id).toBe(seed.channels.whatsapp);
    expect(row.blacklist.customer.id).toBe(data.customer.id);
  });

  it('a permanent entry: is_permanent true, remaining_time null, metadata {}', async () => {
    const { seed, data } = await blockedConversation();
    const id = await insertBlacklist(h, {
      tenantId: seed.tenant_id,
      channelId: seed.channels.whatsapp,
      customerId: data.customer.id,
      reason: 'llm_spam',
      expiresAt: null,
    });
    h.clock.advance(3600);
    const entry = (await listed(seed, data.id)).blacklist;
    expect(entry).toMatchObject({
      id,
      reason: 'llm_spam',
      reason_label: 'LLM spam',
      note: null,
      expires_at: null,
      is_active: true,
      is_permanent: true,
      is_expired: false,
      remaining_time: null,
      deleted_at: null,
    });
    expect(entry.metadata).toEqual({});
    expect(Object.keys(entry)).toEqual(BLACKLIST_KEYS);
    for (const key of ['blocked_at', 'created_at', 'updated_at']) expect(entry[key]).toMatch(TIMESTAMP);
  });

  it('a new conversation shows an existing active block of its customer at once', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const [customer] = await sql(h, `INSERT INTO customers (tenant_id, first_name, phone_number) VALUES ($1, 'Ayşe', '+905321234567') RETURNING id`, [
      seed.tenant_id,
    ]);
    const id = await insertBlacklist(h, {
      tenantId: seed.tenant_id,
      channelId: seed.channels.whatsapp,
      customerId: Number(customer!.id),
      reason: 'security_threat',
    });
    const data = await created(seed, { channel_id: seed.channels.whatsapp, address: '905321234567' });
    expect(data.customer.id).toBe(Number(customer!.id));
    expect(data.blacklist).toMatchObject({ id, reason: 'security_threat', reason_label: 'Security threat', is_permanent: true });
  });
});

describe('agent pause fields', () => {
  async function pausedConversation(expiresAt: Date | null, byName: string | null, paused = true) {
    const seed = await h.seedTenant({ conversations: 0 });
    const data = await created(seed, { channel_id: seed.channels.instagram, address: '17841000000999' });
    await sql(h, `UPDATE conversations SET agent_paused = $3, agent_expires_at = $4, agent_disabled_by_name = $5 WHERE tenant_id = $1 AND id = $2`, [
      seed.tenant_id,
      data.id,
      paused,
      expiresAt,
      byName,
    ]);
    return { seed, data };
  }
  const agent = (row: any) => [row.agent_disabled, row.agent_expires_at, row.agent_disabled_by_user_name];

  it('a timed pause is in effect until its expiry, then reads false, null, null', async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 3600_000);
    const { seed, data } = await pausedConversation(expiresAt, 'Deniz Kaya');
    expect(agent(await listed(seed, data.id))).toEqual([true, apiTime(expiresAt), 'Deniz Kaya']);
    h.clock.advance(3599);
    expect(agent(await listed(seed, data.id))).toEqual([true, apiTime(expiresAt), 'Deniz Kaya']);
    h.clock.advance(1);
    expect(agent(await listed(seed, data.id))).toEqual([false, null, null]);
  });

  it('an indefinite pause, a pause by the agent itself, and a recorded but switched-off pause', async () => {
    const indefinite = await pausedConversation(null, 'Deniz Kaya');
    expect(agent(await listed(indefinite.seed, indefinite.data.id))).toEqual([true, null, 'Deniz Kaya']);
    const expiresAt = new Date(h.clock.now().getTime() + 600_000);
    const byAgent = await pausedConversation(expiresAt, null);
    expect(agent(await listed(byAgent.seed, byAgent.data.id))).toEqual([true, apiTime(expiresAt), null]);
    const off = await pausedConversation(expiresAt, 'Deniz Kaya', false);
    expect(agent(await listed(off.seed, off.data.id))).toEqual([false, null, null]);
  });
});
