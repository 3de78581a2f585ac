/**
 * The channel blacklist endpoints (docs/domain-rules.md#channel-blacklist): POST, PUT, GET list and DELETE /channel-blacklists, the
 * ChannelBlacklistResource, validation, isolation, the one-active-entry rule and the conversations' `blacklist` field.
 * Expiry with the clock and concurrent blocks: blacklist-expiry.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { BLACKLIST_KEYS, apiTime } from '../support/shapes.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { allConversations, postConversation } from '../support/requests.js';
import { applicationToken, memberAs, memberWith, sql } from '../support/factories.js';
import {
  ALREADY_BLOCKED,
  ENTRY_NOT_FOUND,
  apiTimeIn,
  block,
  channelSummary,
  deleteEntry,
  insertCustomer,
  listEntries,
  listedEntry,
  listedIds,
  postBlock,
  putEntry,
  tenantWithCustomer,
} from '../support/blacklist.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function storedEntries(seed: SeedResult): Promise<Array<Record<string, any>>> {
  return sql(h, 'SELECT id, is_active, deleted_at, metadata, note FROM channel_blacklists WHERE tenant_id = $1 ORDER BY id', [seed.tenant_id]);
}

describe('POST /channel-blacklists', () => {
  it('answers 201 with the ChannelBlacklistResource, keys in order, JSON types exact', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const now = h.clock.now();
    const response = await postBlock(h, seed.access_token, {
      channel_id: channelId,
      customer_id: customer.id,
      reason: 'abusive_language',
      ttl_seconds: 7200,
      note: 'Insults',
      metadata: { source: 'agent' },
    });
    expect(response.status, response.body).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const data = response.json.data;
    expect(Number.isInteger(data.id)).toBe(true);
    expectExactJson(response.json, {
      success: 'Customer blocked successfully.',
      data: {
        id: data.id,
        tenant_id: seed.tenant_id,
        reason: 'abusive_language',
        reason_label: 'Abusive language',
        note: 'Insults',
        blocked_at: apiTime(now),
        expires_at: apiTimeIn(h, 7200),
        is_active: true,
        is_permanent: false,
        is_expired: false,
        remaining_time: '2 hours',
        metadata: { source: 'agent' },
        created_at: apiTime(now),
        updated_at: apiTime(now),
        deleted_at: null,
        channel: await channelSummary(h, seed.tenant_id, channelId),
        customer: { id: customer.id, first_name: 'Ayşe', last_name: 'Yılmaz', phone_number: customer.phone_number, email: null },
      },
    });
    expect(Object.keys(data)).toEqual(BLACKLIST_KEYS);
    // The list shows the same resource.
    expectExactJson(await listedEntry(h, seed, data.id), data);
    const [row] = await sql(h, 'SELECT created_by_user_id FROM channel_blacklists WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, data.id]);
    expect(Number(row!.created_by_user_id)).toBe(seed.user_id);
  });

  it('without ttl_seconds (absent or null) blocks permanently; metadata defaults to {}; an array is stored keyed "0", "1"', async () => {
    const { seed, customer } = await tenantWithCustomer(h);
    const absent = await block(h, seed, { channel_id: seed.channels.whatsapp, customer_id: customer.id, reason: 'rate_limit' });
    expect(absent).toMatchObject({ reason_label: 'Rate limit', note: null, expires_at: null, is_permanent: true, is_expired: false, remaining_time: null });
    expectExactJson(absent.metadata, {});
    const nulls = await block(h, seed, {
      channel_id: seed.channels.telegram,
      customer_id: customer.id,
      reason: 'llm_spam',
      ttl_seconds: null,
      note: '   ',
      metadata: null,
    });
    expect(nulls).toMatchObject({ reason_label: 'LLM spam', note: null, expires_at: null, is_permanent: true });
    expectExactJson(nulls.metadata, {});
    const list = await block(h, seed, { channel_id: seed.channels.instagram, customer_id: customer.id, reason: 'security_threat', metadata: ['a', { b: 1 }] });
    expect(list.reason_label).toBe('Security threat');
    expectExactJson(list.metadata, { 0: 'a', 1: { b: 1 } });
    const empty = await block(h, seed, { channel_id: seed.channels.website, customer_id: customer.id, metadata: [] });
    expectExactJson(empty.metadata, {});
    // Strings inside metadata are normalised like every input (docs/input.md#body-transport); key order is kept as sent.
    const other = await insertCustomer(h, seed.tenant_id);
    const ordered = await block(h, seed, {
      channel_id: seed.channels.whatsapp,
      customer_id: other.id,
      metadata: { zeta: ' z ', alpha: '', nested: { y: 1, x: 2 } },
    });
    expectExactJson(ordered.metadata, { zeta: 'z', alpha: null, nested: { y: 1, x: 2 } });
    expectExactJson((await listedEntry(h, seed, ordered.id)).metadata, { zeta: 'z', alpha: null, nested: { y: 1, x: 2 } });
  });

  it('an application token records no user; ttl_seconds 1 and 315360000 are accepted', async () => {
    const { seed, customer } = await tenantWithCustomer(h);
    const token = await applicationToken(h, seed);
    const response = await postBlock(h, token, { channel_id: seed.channels.whatsapp, customer_id: customer.id, reason: 'manual', ttl_seconds: 315360000 });
    expect(response.status, response.body).toBe(201);
    expect(response.json.data.expires_at).toBe(apiTimeIn(h, 315360000));
    expect(response.json.data.remaining_time).toBe('3650 days');
    const [row] = await sql(h, 'SELECT created_by_user_id FROM channel_blacklists WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, response.json.data.id]);
    expect(row!.created_by_user_id).toBeNull();
    const short = await block(h, seed, { channel_id: seed.channels.telegram, customer_id: customer.id, ttl_seconds: '1' });
    expect([short.expires_at, short.remaining_time]).toEqual([apiTimeIn(h, 1), '1 minute']);
  });

  it('answers 422 with every documented message, all failing fields at once, and stores nothing', async () => {
    const { seed, customer } = await tenantWithCustomer(h);
    const other = await h.seedTenant({ conversations: 0, customers: 0 });
    const foreignCustomer = await insertCustomer(h, other.tenant_id);
    const deleted = await insertCustomer(h, seed.tenant_id);
    await sql(h, 'UPDATE customers SET deleted_at = now() WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, deleted.id]);
    const valid = { channel_id: seed.channels.whatsapp, customer_id: customer.id, reason: 'manual' };
    const cases: Array<[Record<string, unknown>, Record<string, string[]>]> = [
      [
        {},
        {
          channel_id: ['The channel id field is required.'],
          customer_id: ['The customer id field is required.'],
          reason: ['The reason field is required.'],
        },
      ],
      [
        { channel_id: null, customer_id: '', reason: ' ' },
        {
          channel_id: ['The channel id field is required.'],
          customer_id: ['The customer id field is required.'],
          reason: ['The reason field is required.'],
        },
      ],
      [
        { ...valid, channel_id: 'abc', customer_id: 1.5 },
        { channel_id: ['The channel id field must be an integer.'], customer_id: ['The customer id field must be an integer.'] },
      ],
      [{ ...valid, channel_id: other.channels.whatsapp }, { channel_id: ['The selected channel id is invalid.'] }],
      [
        { ...valid, channel_id: 0, customer_id: -1 },
        { channel_id: ['The selected channel id is invalid.'], customer_id: ['The selected customer id is invalid.'] },
      ],
      [{ ...valid, channel_id: 999999999 }, { channel_id: ['The selected channel id is invalid.'] }],
      [{ ...valid, customer_id: foreignCustomer.id }, { customer_id: ['The selected customer id is invalid.'] }],
      [{ ...valid, customer_id: deleted.id }, { customer_id: ['The selected customer id is invalid.'] }],
      [{ ...valid, reason: 'spam' }, { reason: ['The selected reason is invalid.'] }],
      [{ ...valid, reason: 'Manual' }, { reason: ['The selected reason is invalid.'] }],
      [{ ...valid, reason: ['manual'] }, { reason: ['The selected reason is invalid.'] }],
      [{ ...valid, ttl_seconds: 0 }, { ttl_seconds: ['The ttl seconds field must be at least 1.'] }],
      [{ ...valid, ttl_seconds: -5 }, { ttl_seconds: ['The ttl seconds field must be at least 1.'] }],
      [{ ...valid, ttl_seconds: 315360001 }, { ttl_seconds: ['The ttl seconds field must not be greater than 315360000.'] }],
      [{ ...valid, ttl_seconds: 'soon' }, { ttl_seconds: ['The ttl seconds field must be an integer.'] }],
      [{ ...valid, ttl_seconds: 60.5 }, { ttl_seconds: ['The ttl seconds field must be an integer.'] }],
      [{ ...valid, note: 'x'.repeat(1001) }, { note: ['The note field must not be greater than 1000 characters.'] }],
      [{ ...valid, note: 42 }, { note: ['The note field must be a string.'] }],
      [{ ...valid, metadata: 'source' }, { metadata: ['The metadata field must be an object.'] }],
      [{ ...valid, metadata: 5 }, { metadata: ['The metadata field must be an object.'] }],
      [{ ...valid, metadata: true }, { metadata: ['The metadata field must be an object.'] }],
      [{ ...valid, metadata: { blob: 'x'.repeat(16384 - 10) } }, { metadata: ['The metadata field must not be greater than 16384 characters.'] }],
      [
        { ...valid, reason: 'nope', ttl_seconds: 0, note: 'x'.repeat(1001), metadata: 'x' },
        {
          reason: ['The selected reason is invalid.'],
          ttl_seconds: ['The ttl seconds field must be at least 1.'],
          note: ['The note field must not be greater than 1000 characters.'],
          metadata: ['The metadata field must be an object.'],
        },
      ],
    ];
    for (const [body, errors] of cases) expectValidationError(await postBlock(h, seed.access_token, body), errors);
    expect(await storedEntries(seed)).toEqual([]);
    // At the limits: 1000 code points of note, 16384 code points of compact JSON.
    const limits = await block(h, seed, { ...valid, note: 'é'.repeat(1000), metadata: { blob: '😀'.repeat(16384 - 11) } });
    expect([...limits.note]).toHaveLength(1000);
    expect([...JSON.stringify(limits.metadata)]).toHaveLength(16384);
  });

  it('answers 409 for a second active block of the same channel and customer, 422 before 409, and changes nothing', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const first = await block(h, seed, { channel_id: channelId, customer_id: customer.id, ttl_seconds: 3600 });
    const again = await postBlock(h, seed.access_token, { channel_id: channelId, customer_id: customer.id, reason: 'rate_limit' });
    expectError(again, 409, 'conflict');
    expectExactJson(again.json, ALREADY_BLOCKED);
    expectValidationError(
      await postBlock(h, seed.access_token, { channel_id: channelId, customer_id: customer.id, reason: 'manual', note: 'x'.repeat(1001) }),
      { note: ['The note field must not be greater than 1000 characters.'] },
    );
    expect((await storedEntries(seed)).map((row) => Number(row.id))).toEqual([first.id]);
    // Another channel, another customer: no conflict.
    await block(h, seed, { channel_id: seed.channels.telegram, customer_id: customer.id });
    await block(h, seed, { channel_id: channelId, customer_id: (await insertCustomer(h, seed.tenant_id)).id });
  });

  it('allows a new block after an unblock and after a deactivation', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const pair = { channel_id: channelId, customer_id: customer.id };
    const first = await block(h, seed, pair);
    expect((await deleteEntry(h, seed.access_token, first.id)).status).toBe(200);
    const second = await block(h, seed, pair);
    expect(second.id).not.toBe(first.id);
    expect((await putEntry(h, seed.access_token, second.id, { is_active: false })).status).toBe(200);
    const third = await block(h, seed, pair);
    expectError(await postBlock(h, seed.access_token, { ...pair, reason: 'manual' }), 409, 'conflict');
    expect(await listedIds(h, seed.access_token)).toEqual([third.id, second.id]);
  });
});

describe('PUT /channel-blacklists/{id}', () => {
  it('updates only the fields sent; blocked_at never changes; updated_at does; the reason label follows', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, {
      channel_id: channelId,
      customer_id: customer.id,
      reason: 'manual',
      ttl_seconds: 7200,
      note: 'First',
      metadata: { source: 'agent' },
    });
    h.clock.advance(60);
    const response = await putEntry(h, seed.access_token, created.id, { reason: 'security_threat' });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, {
      success: 'Blacklist entry updated successfully.',
      data: {
        ...created,
        reason: 'security_threat',
        reason_label: 'Security threat',
        remaining_time: '1 hour 59 minutes',
        updated_at: apiTime(h.clock.now()),
      },
    });
    const cleared = await putEntry(h, seed.access_token, created.id, { note: '  ' });
    expect(cleared.json.data).toMatchObject({ note: null, reason: 'security_threat', expires_at: created.expires_at, blocked_at: created.blocked_at });
    const unchanged = await putEntry(h, seed.access_token, created.id, {});
    expectExactJson(unchanged.json.data, cleared.json.data);
    expectExactJson(await listedEntry(h, seed, created.id), cleared.json.data);
  });

  it('merges metadata into the stored object (docs/domain-rules.md#channel-blacklist), null and {} change nothing', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id, ttl_seconds: 7200, metadata: { source: 'agent' } });
    const merged = await putEntry(h, seed.access_token, created.id, { metadata: { extra: 1 }, expires_at: null });
    expect(merged.status, merged.body).toBe(200);
    expectExactJson(merged.json.data.metadata, { source: 'agent', extra: 1 });
    expect(merged.json.data).toMatchObject({ expires_at: null, is_permanent: true, is_expired: false, remaining_time: null, is_active: true });
    for (const metadata of [null, {}, []]) {
      const same = await putEntry(h, seed.access_token, created.id, { metadata });
      expectExactJson(same.json.data.metadata, { source: 'agent', extra: 1 });
    }
    const overwritten = await putEntry(h, seed.access_token, created.id, { metadata: { source: 'staff', nested: { a: [1, 2] } } });
    expectExactJson(overwritten.json.data.metadata, { source: 'staff', extra: 1, nested: { a: [1, 2] } });
    const listed = await putEntry(h, seed.access_token, created.id, { metadata: ['x'] });
    expectExactJson(listed.json.data.metadata, { 0: 'x', source: 'staff', extra: 1, nested: { a: [1, 2] } });
    expectExactJson((await listedEntry(h, seed, created.id)).metadata, listed.json.data.metadata);
  });

  it('expires_at: a date is midnight UTC, offsets convert to UTC, fractions drop, a past value expires the entry', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    const cases: Array<[string, string]> = [
      ['2031-03-04', '2031-03-04T00:00:00Z'],
      ['2031-03-04T10:20:30+02:00', '2031-03-04T08:20:30Z'],
      ['2031-03-04T10:20:30.999Z', '2031-03-04T10:20:30Z'],
    ];
    for (const [input, stored] of cases) {
      const response = await putEntry(h, seed.access_token, created.id, { expires_at: input });
      expect(response.status, response.body).toBe(200);
      expect(response.json.data).toMatchObject({ expires_at: stored, is_permanent: false, is_expired: false, is_active: true });
    }
    const past = await putEntry(h, seed.access_token, created.id, { expires_at: apiTimeIn(h, -1) });
    expect(past.json.data).toMatchObject({ expires_at: apiTimeIn(h, -1), is_active: true, is_permanent: false, is_expired: true, remaining_time: null });
    expect(await listedIds(h, seed.access_token, '?active=1')).toEqual([]);
    // Expired and inactive entries can still be updated.
    const inactive = await putEntry(h, seed.access_token, created.id, { is_active: false, note: 'Done' });
    expect(inactive.json.data).toMatchObject({ is_active: false, is_expired: true, note: 'Done' });
    expect((await putEntry(h, seed.access_token, created.id, { reason: 'llm_spam' })).status).toBe(200);
  });

  it('answers 422 with the documented messages and changes nothing', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id, note: 'Kept', metadata: { k: 1 } });
    const cases: Array<[Record<string, unknown>, Record<string, string[]>]> = [
      [{ reason: null }, { reason: ['The selected reason is invalid.'] }],
      [{ reason: '' }, { reason: ['The selected reason is invalid.'] }],
      [{ reason: 'spam' }, { reason: ['The selected reason is invalid.'] }],
      [{ expires_at: 'soon' }, { expires_at: ['The expires at field must be a valid date.'] }],
      [{ expires_at: '2031-02-30' }, { expires_at: ['The expires at field must be a valid date.'] }],
      [{ expires_at: 1893456000 }, { expires_at: ['The expires at field must be a valid date.'] }],
      [{ is_active: 'yes' }, { is_active: ['The is active field must be true or false.'] }],
      [{ is_active: 'true' }, { is_active: ['The is active field must be true or false.'] }],
      [{ is_active: null }, { is_active: ['The is active field must be true or false.'] }],
      [{ is_active: 2 }, { is_active: ['The is active field must be true or false.'] }],
      [{ note: 'x'.repeat(1001) }, { note: ['The note field must not be greater than 1000 characters.'] }],
      [{ metadata: 'x' }, { metadata: ['The metadata field must be an object.'] }],
      [{ metadata: { blob: 'x'.repeat(16384) } }, { metadata: ['The metadata field must not be greater than 16384 characters.'] }],
      [
        { reason: 'x', note: 'x'.repeat(1001), expires_at: 'x', is_active: 'x', metadata: 1 },
        {
          reason: ['The selected reason is invalid.'],
          note: ['The note field must not be greater than 1000 characters.'],
          expires_at: ['The expires at field must be a valid date.'],
          is_active: ['The is active field must be true or false.'],
          metadata: ['The metadata field must be an object.'],
        },
      ],
    ];
    for (const [body, errors] of cases) expectValidationError(await putEntry(h, seed.access_token, created.id, body), errors);
    expectExactJson(await listedEntry(h, seed, created.id), created);
    // Accepted boolean forms in a JSON body.
    for (const [value, expected] of [
      [0, false],
      ['1', true],
      ['0', false],
      [1, true],
    ] as const) {
      expect((await putEntry(h, seed.access_token, created.id, { is_active: value })).json.data.is_active).toBe(expected);
    }
  });

  it("answers 404 for an unknown, another tenant's or an unblocked entry, before validation", async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const other = await tenantWithCustomer(h);
    const foreign = await block(h, other.seed, { channel_id: other.channelId, customer_id: other.customer.id });
    const gone = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    await deleteEntry(h, seed.access_token, gone.id);
    for (const id of [foreign.id, gone.id, 999999999, 'abc', '-1', '0', '99999999999999999999']) {
      const response = await putEntry(h, seed.access_token, id, { reason: 'bogus', is_active: 'x' });
      expect(response.status, `${id}: ${response.body}`).toBe(404);
      expectExactJson(response.json, ENTRY_NOT_FOUND);
    }
    expectExactJson(await listedEntry(h, other.seed, foreign.id), foreign);
  });

  it('answers 409 when reactivating an entry while another one of the pair is active, and changes nothing', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const pair = { channel_id: channelId, customer_id: customer.id };
    const old = await block(h, seed, { ...pair, note: 'old' });
    await putEntry(h, seed.access_token, old.id, { is_active: false });
    const current = await block(h, seed, pair);
    const before = await listedEntry(h, seed, old.id);
    for (const body of [{ is_active: true }, { is_active: true, note: 'changed', metadata: { x: 1 } }, { is_active: '1', expires_at: null }]) {
      expectExactJson((await putEntry(h, seed.access_token, old.id, body)).json, ALREADY_BLOCKED);
    }
    expectExactJson(await listedEntry(h, seed, old.id), before);
    // Changes that keep it inactive are fine; the active entry itself can be updated.
    expect((await putEntry(h, seed.access_token, old.id, { note: 'still off', expires_at: null })).status).toBe(200);
    expect((await putEntry(h, seed.access_token, current.id, { is_active: true, note: 'on' })).status).toBe(200);
    // Once the other one is off, reactivation works.
    expect((await putEntry(h, seed.access_token, current.id, { is_active: false })).status).toBe(200);
    const back = await putEntry(h, seed.access_token, old.id, { is_active: true });
    expect(back.status, back.body).toBe(200);
    expect(back.json.data).toMatchObject({ is_active: true, note: 'still off' });
    expect(await listedIds(h, seed.access_token, '?active=true')).toEqual([old.id]);
    // An entry on another channel never conflicts.
    const elsewhere = await block(h, seed, { channel_id: seed.channels.telegram, customer_id: customer.id });
    await putEntry(h, seed.access_token, elsewhere.id, { is_active: false });
    expect((await putEntry(h, seed.access_token, elsewhere.id, { is_active: true })).status).toBe(200);
  });
});

describe('DELETE /channel-blacklists/{id}', () => {
  it('unblocks: 200 with the MessageResult, then 404 everywhere; the row stays, switched off and deleted', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    h.clock.advance(30);
    const response = await deleteEntry(h, seed.access_token, created.id);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { success: 'Customer unblocked successfully.', data: { message: 'Customer unblocked successfully.' } });
    expectExactJson((await deleteEntry(h, seed.access_token, created.id)).json, ENTRY_NOT_FOUND);
    expect((await deleteEntry(h, seed.access_token, created.id)).status).toBe(404);
    expectExactJson((await putEntry(h, seed.access_token, created.id, { note: 'x' })).json, ENTRY_NOT_FOUND);
    expect(await listedIds(h, seed.access_token)).toEqual([]);
    const [row] = await storedEntries(seed);
    expect(row!.is_active).toBe(false);
    expect(apiTime(new Date(row!.deleted_at))).toBe(apiTime(h.clock.now()));
  });

  it("works on inactive and expired entries; another tenant's or an unknown id is 404", async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const other = await tenantWithCustomer(h);
    const foreign = await block(h, other.seed, { channel_id: other.channelId, customer_id: other.customer.id });
    const inactive = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    await putEntry(h, seed.access_token, inactive.id, { is_active: false });
    const expired = await block(h, seed, { channel_id: seed.channels.telegram, customer_id: customer.id, ttl_seconds: 1 });
    h.clock.advance(1);
    for (const id of [foreign.id, 999999999, 'x']) expectExactJson((await deleteEntry(h, seed.access_token, id)).json, ENTRY_NOT_FOUND);
    expect((await deleteEntry(h, seed.access_token, inactive.id)).status).toBe(200);
    expect((await deleteEntry(h, seed.access_token, expired.id)).status).toBe(200);
    expect(await listedIds(h, other.seed.access_token)).toEqual([foreign.id]);
  });
});

describe('GET /channel-blacklists', () => {
  async function fixture() {
    const { seed, customer } = await tenantWithCustomer(h);
    const second = await insertCustomer(h, seed.tenant_id, { first_name: 'Bora', email: 'bora@example.test' });
    const wa = seed.channels.whatsapp;
    const tg = seed.channels.telegram;
    const active = await block(h, seed, { channel_id: wa, customer_id: customer.id, reason: 'abusive_language', ttl_seconds: 600 });
    const inactive = await block(h, seed, { channel_id: tg, customer_id: customer.id, reason: 'manual' });
    await putEntry(h, seed.access_token, inactive.id, { is_active: false });
    const expired = await block(h, seed, { channel_id: wa, customer_id: second.id, reason: 'rate_limit', ttl_seconds: 5 });
    const deleted = await block(h, seed, { channel_id: tg, customer_id: second.id, reason: 'rate_limit' });
    await deleteEntry(h, seed.access_token, deleted.id);
    const permanent = await block(h, seed, { channel_id: tg, customer_id: second.id, reason: 'rate_limit' });
    h.clock.advance(5);
    return { seed, customer, second, wa, tg, ids: { active: active.id, inactive: inactive.id, expired: expired.id, permanent: permanent.id } };
  }

  it('lists live entries newest first in the Laravel paginator; deleted entries never, other tenants never', async () => {
    const { seed, ids } = await fixture();
    const other = await tenantWithCustomer(h);
    await block(h, other.seed, { channel_id: other.channelId, customer_id: other.customer.id });
    const response = await listEntries(h, seed.access_token);
    expect(response.status, response.body).toBe(200);
    expectPaginatorShape(response.json);
    expect(response.json.data.map((entry: any) => entry.id)).toEqual([ids.permanent, ids.expired, ids.inactive, ids.active]);
    for (const entry of response.json.data) expect(Object.keys(entry)).toEqual(BLACKLIST_KEYS);
    expect(response.json.meta).toMatchObject({ total: 4, per_page: 15, current_page: 1, last_page: 1, from: 1, to: 4 });
    const expired = response.json.data[1];
    expect(expired).toMatchObject({ is_active: true, is_expired: true, remaining_time: null, is_permanent: false });
    const pageTwo = await listEntries(h, seed.access_token, '?per_page=3&page=2');
    expect(pageTwo.json.data.map((entry: any) => entry.id)).toEqual([ids.active]);
    expect(pageTwo.json.meta).toMatchObject({ total: 4, per_page: 3, current_page: 2, last_page: 2, from: 4, to: 4 });
  });

  it('filters by active, channel_id, customer_id and reason, combined with AND', async () => {
    const { seed, customer, second, wa, tg, ids } = await fixture();
    const other = await h.seedTenant({ conversations: 0, customers: 0 });
    const cases: Array<[string, number[]]> = [
      ['?active=1', [ids.permanent, ids.active]],
      ['?active=true', [ids.permanent, ids.active]],
      ['?active=0', [ids.expired, ids.inactive]],
      ['?active=false', [ids.expired, ids.inactive]],
      ['?active=', [ids.permanent, ids.expired, ids.inactive, ids.active]],
      [`?channel_id=${wa}`, [ids.expired, ids.active]],
      [`?channel_id=${tg}`, [ids.permanent, ids.inactive]],
      [`?customer_id=${customer.id}`, [ids.inactive, ids.active]],
      [`?customer_id=${second.id}&active=1`, [ids.permanent]],
      ['?reason=rate_limit', [ids.permanent, ids.expired]],
      [`?reason=rate_limit&channel_id=${wa}&active=0`, [ids.expired]],
      ['?reason=security_threat', []],
      [`?channel_id=${other.channels.whatsapp}`, []],
      ['?channel_id=999999999', []],
      ['?customer_id=999999999', []],
    ];
    for (const [query, expected] of cases) expect(await listedIds(h, seed.access_token, query), query).toEqual(expected);
  });

  it('links keep the query string (docs/domain-rules.md#channel-blacklist)', async () => {
    const { seed, customer, ids } = await fixture();
    const response = await listEntries(h, seed.access_token, `?customer_id=${customer.id}&active=1`);
    const url = `http://127.0.0.1:8080/api/v1/channel-blacklists?customer_id=${customer.id}&active=1&page=1`;
    expect(response.json.data.map((entry: any) => entry.id)).toEqual([ids.active]);
    expectExactJson(
      { links: response.json.links, meta: response.json.meta },
      {
        links: { first: url, last: url, prev: null, next: null },
        meta: {
          current_page: 1,
          from: 1,
          last_page: 1,
          links: [
            { url: null, label: '&laquo; Previous', active: false },
            { url, label: '1', active: true },
            { url: null, label: 'Next &raquo;', active: false },
          ],
          path: 'http://127.0.0.1:8080/api/v1/channel-blacklists',
          per_page: 15,
          to: 1,
          total: 1,
        },
      },
    );
  });

  it('answers 422 for bad filter values', async () => {
    const { seed } = await tenantWithCustomer(h);
    const cases: Array<[string, Record<string, string[]>]> = [
      ['?active=yes', { active: ['The active field must be true or false.'] }],
      ['?active=2', { active: ['The active field must be true or false.'] }],
      ['?channel_id=abc', { channel_id: ['The channel id field must be an integer.'] }],
      ['?channel_id=1.5', { channel_id: ['The channel id field must be an integer.'] }],
      ['?channel_id=0', { channel_id: ['The channel id field must be at least 1.'] }],
      ['?customer_id=x', { customer_id: ['The customer id field must be an integer.'] }],
      ['?customer_id=-3', { customer_id: ['The customer id field must be at least 1.'] }],
      ['?reason=spam', { reason: ['The selected reason is invalid.'] }],
      ['?reason=Manual', { reason: ['The selected reason is invalid.'] }],
      [
        '?per_page=0&active=maybe&reason=x',
        {
          per_page: ['The per page field must be at least 1.'],
          active: ['The active field must be true or false.'],
          reason: ['The selected reason is invalid.'],
        },
      ],
    ];
    for (const [query, errors] of cases) expectValidationError(await listEntries(h, seed.access_token, query), errors);
  });
});

describe('permissions and scopes', () => {
  it('a Viewer can list but gets 403 on every write, whatever the id or body; an Agent can write', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    const viewer = await memberAs(h, seed, 'Vera Viewer', 'Viewer');
    expect(await listedIds(h, viewer.token)).toEqual([created.id]);
    const forbidden = { error: 'forbidden', message: 'You do not have permission to perform this action.' };
    const writes = [
      await postBlock(h, viewer.token, { channel_id: channelId, customer_id: customer.id, reason: 'manual' }),
      await postBlock(h, viewer.token, {}),
      await putEntry(h, viewer.token, created.id, { is_active: false }),
      await putEntry(h, viewer.token, 999999999, { reason: 'x' }),
      await deleteEntry(h, viewer.token, created.id),
    ];
    for (const response of writes) expectExactJson(response.json, forbidden);
    expect((await listedEntry(h, seed, created.id)).is_active).toBe(true);
    const agent = await memberAs(h, seed, 'Ali Agent', 'Agent');
    expect((await putEntry(h, agent.token, created.id, { note: 'by agent' })).status).toBe(200);
    const viewOnly = await memberWith(h, seed, 'List Only', ['blacklist.view']);
    expect((await listEntries(h, viewOnly.token)).status).toBe(200);
  });

  it('the list takes conversations:read or blacklist:write; writes need blacklist:write', async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const read = await h.token(seed.user_id, { scopes: ['conversations:read'] });
    const write = await h.token(seed.user_id, { scopes: ['blacklist:write'] });
    expect((await listEntries(h, read)).status).toBe(200);
    expect((await listEntries(h, write)).status).toBe(200);
    const refused = await postBlock(h, read, { channel_id: channelId, customer_id: customer.id, reason: 'manual' });
    expectExactJson(refused.json, { error: 'insufficient_scope', message: 'The access token does not have the required scope: blacklist:write.' });
    const customersOnly = await h.token(seed.user_id, { scopes: ['customers:read'] });
    expectExactJson((await listEntries(h, customersOnly)).json, {
      error: 'insufficient_scope',
      message: 'The access token does not have the required scope: conversations:read or blacklist:write.',
    });
    expect((await postBlock(h, write, { channel_id: channelId, customer_id: customer.id, reason: 'manual' })).status).toBe(201);
  });
});

describe("the conversations' blacklist field", () => {
  it('shows the active entry at once, and null after an unblock or a deactivation', async () => {
    const seed = await h.seedTenant({ conversations: 0, customers: 0 });
    const created = await postConversation(h, seed, { channel_id: seed.channels.whatsapp, address: '+90 532 444 55 66', first_name: 'Elif' });
    expect(created.status, created.body).toBe(201);
    const conversation = created.json.data;
    const listed = async () => (await allConversations(h, seed)).find((row) => row.id === conversation.id).blacklist;
    expect(await listed()).toBeNull();

    const entry = await block(h, seed, {
      channel_id: seed.channels.whatsapp,
      customer_id: conversation.customer.id,
      ttl_seconds: 7500,
      metadata: { b: 1, a: 2 },
    });
    expectExactJson(await listed(), entry);
    const one = await h.request({ url: `/api/v1/conversations/${conversation.id}`, token: seed.access_token });
    expectExactJson(one.json.data.blacklist, entry);
    // A block on another channel does not show on this conversation.
    await block(h, seed, { channel_id: seed.channels.telegram, customer_id: conversation.customer.id });
    expect((await listed()).id).toBe(entry.id);

    await putEntry(h, seed.access_token, entry.id, { is_active: false });
    expect(await listed()).toBeNull();
    const reactivated = await putEntry(h, seed.access_token, entry.id, { is_active: true });
    expectExactJson(await listed(), reactivated.json.data);
    expect((await deleteEntry(h, seed.access_token, entry.id)).status).toBe(200);
    expect(await listed()).toBeNull();
    const again = await block(h, seed, { channel_id: seed.channels.whatsapp, customer_id: conversation.customer.id, reason: 'llm_spam' });
    expectExactJson(await listed(), again);
  });

  it("a soft-deleted customer's entry keeps showing the customer", async () => {
    const { seed, customer, channelId } = await tenantWithCustomer(h);
    const created = await block(h, seed, { channel_id: channelId, customer_id: customer.id });
    await sql(h, 'UPDATE customers SET deleted_at = now() WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, customer.id]);
    expectExactJson(await listedEntry(h, seed, created.id), created);
    // It can still be updated and unblocked, but not blocked again.
    expect((await putEntry(h, seed.access_token, created.id, { is_active: false })).status).toBe(200);
    expectValidationError(await postBlock(h, seed.access_token, { channel_id: channelId, customer_id: customer.id, reason: 'manual' }), {
      customer_id: ['The selected customer id is invalid.'],
    });
  });
});
