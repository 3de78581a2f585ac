/**
 * The blacklist at ingress and flood auto-block (docs/channels.md#blacklist-at-ingress): quarantined messages are
 * counted and listed and leave the inbox untouched; floods block exactly once, also under concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { insertBlacklist, sql } from '../support/factories.js';
import { getConversation, sentMessageId } from '../support/requests.js';
import { applyActions, conversationByKey, inboundText, type ChannelKind } from '../support/inbound.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let seed: SeedResult;
let serial = 0;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant();
});
afterAll(async () => h?.close());

function chatId(): string {
  return String(810000000 + (process.pid % 10000) * 1000 + ++serial);
}

/** A conversation with one customer message on the seed's Telegram channel. */
async function started(address = chatId(), tenant: SeedResult = seed): Promise<{ address: string; conversation: Record<string, any> }> {
  await applyActions(h, tenant, 'telegram', [inboundText(address, 'first')]);
  return { address, conversation: (await conversationByKey(h, tenant, 'telegram', address))! };
}

async function setFlood(tenantId: number, flood: Record<string, unknown>): Promise<void> {
  await sql(h, `UPDATE tenants SET settings = COALESCE(settings, '{}'::jsonb) || jsonb_build_object('flood', $2::jsonb) WHERE id = $1`, [
    tenantId,
    JSON.stringify(flood),
  ]);
}

async function entries(tenant: SeedResult, customerId: number, type: ChannelKind = 'telegram'): Promise<Record<string, any>[]> {
  return sql(h, 'SELECT * FROM channel_blacklists WHERE tenant_id = $1 AND channel_id = $2 AND customer_id = $3 ORDER BY id', [
    tenant.tenant_id,
    tenant.channels[type],
    customerId,
  ]);
}

function quarantined(entryId: number, query = '', token = seed.access_token) {
  return h.request({ url: `/api/v1/channel-blacklists/${entryId}/quarantined-messages${query}`, token });
}

describe('an active entry', () => {
  it('quarantines the message: counted and listed, inbox untouched; statuses still apply', async () => {
    const { address, conversation } = await started();
    const entryId = await insertBlacklist(h, { tenantId: seed.tenant_id, channelId: seed.channels.telegram, customerId: conversation.customer_id });
    const receivedAt = new Date(h.clock.now().getTime() - 2000);
    const blocked = inboundText(address, 'let me in');
    const [event] = await sql(
      h,
      `INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, received_at) VALUES ($1, $2, 'telegram', $3, '{}', $4) RETURNING id`,
      [seed.tenant_id, seed.channels.telegram, `update:q${address}`, receivedAt],
    );
    expect(await applyActions(h, seed, 'telegram', [blocked], receivedAt, Number(event!.id))).toBe('quarantined');
    h.clock.advance(1);
    await applyActions(h, seed, 'telegram', [inboundText(address, 'second try')]);

    const after = (await conversationByKey(h, seed, 'telegram', address))!;
    expect([after.message_count, after.unread_count, after.last_message, after.last_message_id]).toEqual([1, 1, 'first', conversation.last_message_id]);
    const [entry] = await entries(seed, conversation.customer_id);
    expect(entry!.quarantined_count).toBe(2);
    expect(new Date(entry!.last_quarantined_at).getTime()).toBe(h.clock.now().getTime());
    const [stored] = await sql(h, 'SELECT inbound_event_id FROM quarantined_messages WHERE tenant_id = $1 AND provider_message_id = $2', [
      seed.tenant_id,
      blocked.providerMessageId,
    ]);
    expect(Number(stored!.inbound_event_id)).toBe(Number(event!.id));

    const response = await quarantined(entryId);
    expect(response.status, response.body).toBe(200);
    expect(response.json.meta.total).toBe(2);
    expect(response.json.data.map((row: { message: string }) => row.message)).toEqual(['second try', 'let me in']);
    expect(response.json.data[1]).toEqual({
      id: expect.any(Number),
      channel_id: seed.channels.telegram,
      customer_id: Number(conversation.customer_id),
      message_type: 'text',
      message: 'let me in',
      provider_message_id: blocked.providerMessageId,
      received_at: receivedAt.toISOString().replace('.000', ''),
    });
    const paged = await quarantined(entryId, '?per_page=1&page=2');
    expect([paged.json.meta.total, paged.json.data[0].message]).toEqual([2, 'let me in']);

    // Statuses of our own messages are not stopped by the block.
    const ours = await sentMessageId(h, seed.access_token, Number(conversation.id), 'We hear you');
    await sql(h, "UPDATE messages SET provider_message_id = $3, delivery_status = 'sent' WHERE tenant_id = $1 AND id = $2", [
      seed.tenant_id,
      ours,
      `tg.${ours}`,
    ]);
    expect(await applyActions(h, seed, 'telegram', [{ kind: 'status', providerMessageId: `tg.${ours}`, status: 'read', failureReason: null }])).toBe('status');
  });

  it('an inactive or expired entry lets messages through and still lists its quarantine; a deleted one is 404', async () => {
    const { address, conversation } = await started();
    const entryId = await insertBlacklist(h, { tenantId: seed.tenant_id, channelId: seed.channels.telegram, customerId: conversation.customer_id });
    await applyActions(h, seed, 'telegram', [inboundText(address, 'held')]);
    await sql(h, 'UPDATE channel_blacklists SET expires_at = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, entryId, h.clock.now()]);
    expect(await applyActions(h, seed, 'telegram', [inboundText(address, 'through')])).toBe('message');
    expect((await conversationByKey(h, seed, 'telegram', address))!.last_message).toBe('through');
    const listed = await quarantined(entryId);
    expect([listed.status, listed.json.meta.total]).toEqual([200, 1]);
    await sql(h, 'UPDATE channel_blacklists SET deleted_at = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, entryId, h.clock.now()]);
    const gone = await quarantined(entryId);
    expect([gone.status, gone.json.error, gone.json.message]).toEqual([404, 'not_found', 'Blacklist entry not found.']);
  });

  it("answers 404 for an unknown id and another tenant's entry", async () => {
    const other = await h.seedTenant();
    const { conversation } = await started(chatId(), other);
    const theirs = await insertBlacklist(h, { tenantId: other.tenant_id, channelId: other.channels.telegram, customerId: conversation.customer_id });
    expect((await quarantined(theirs)).status).toBe(404);
    expect((await quarantined(theirs, '', other.access_token)).status).toBe(200);
    expect((await quarantined(999999999)).status).toBe(404);
  });
});

describe('flood auto-block', () => {
  it('the 21st message within 60 s blocks with the documented note and metadata; it and later ones are quarantined', async () => {
    const tenant = await h.seedTenant();
    const { address, conversation } = await started(chatId(), tenant);
    for (let i = 2; i <= 20; i++) expect(await applyActions(h, tenant, 'telegram', [inboundText(address, `m${i}`)])).toBe('message');
    expect(await entries(tenant, conversation.customer_id)).toEqual([]);
    expect(await applyActions(h, tenant, 'telegram', [inboundText(address, 'm21')])).toBe('quarantined');
    expect(await applyActions(h, tenant, 'telegram', [inboundText(address, 'm22')])).toBe('quarantined');
    const [entry, ...more] = await entries(tenant, conversation.customer_id);
    expect(more).toEqual([]);
    const now = h.clock.now().getTime();
    expect(entry).toMatchObject({
      reason: 'rate_limit',
      note: 'Automatic block: more than 20 messages in 60 seconds.',
      metadata: { source: 'flood', max_messages: 20, window_seconds: 60 },
      is_active: true,
      quarantined_count: 2,
    });
    expect([new Date(entry!.blocked_at).getTime(), new Date(entry!.expires_at).getTime()]).toEqual([now, now + 3600_000]);
    expect((await conversationByKey(h, tenant, 'telegram', address))!.message_count).toBe(20);
    const detail = await getConversation(h, tenant.access_token, Number(conversation.id));
    expect(detail.blacklist).toMatchObject({ id: Number(entry!.id), reason: 'rate_limit' });
    const listed = await h.request({ url: '/api/v1/channel-blacklists?active=1', token: tenant.access_token });
    expect(listed.json.data.map((row: { id: number }) => row.id)).toContain(Number(entry!.id));
  });

  it("follows the tenant's settings, counts only the window ending at the receipt time, and can be switched off", async () => {
    const tenant = await h.seedTenant();
    await setFlood(tenant.tenant_id, { max_messages: 2, window_seconds: 10, block_ttl_seconds: null });
    const { address, conversation } = await started(chatId(), tenant);
    const t = h.clock.now().getTime();
    // Received 30 s ago: outside the window of a message received now.
    await applyActions(h, tenant, 'telegram', [inboundText(address, 'old')], new Date(t - 30_000));
    expect(await applyActions(h, tenant, 'telegram', [inboundText(address, 'two')])).toBe('message');
    expect(await applyActions(h, tenant, 'telegram', [inboundText(address, 'three')])).toBe('quarantined');
    const [entry] = await entries(tenant, conversation.customer_id);
    expect(entry).toMatchObject({ note: 'Automatic block: more than 2 messages in 10 seconds.', expires_at: null });
    expect(entry!.metadata).toEqual({ source: 'flood', max_messages: 2, window_seconds: 10 });

    const calm = await h.seedTenant();
    await setFlood(calm.tenant_id, { enabled: false, max_messages: 1 });
    const other = await started(chatId(), calm);
    for (let i = 0; i < 4; i++) expect(await applyActions(h, calm, 'telegram', [inboundText(other.address, `x${i}`)])).toBe('message');
    expect(await entries(calm, other.conversation.customer_id)).toEqual([]);
  });

  it('concurrent events of one customer (two addresses) create exactly one entry and none fails', async () => {
    const tenant = await h.seedTenant();
    await setFlood(tenant.tenant_id, { max_messages: 3, window_seconds: 60 });
    const first = await started(chatId(), tenant);
    const second = chatId();
    await sql(h, `INSERT INTO conversations (tenant_id, channel_id, channel_type, customer_id, address, address_key) VALUES ($1, $2, 'telegram', $3, $4, $4)`, [
      tenant.tenant_id,
      tenant.channels.telegram,
      first.conversation.customer_id,
      second,
    ]);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => applyActions(h, tenant, 'telegram', [inboundText(i % 2 === 0 ? first.address : second, `burst ${i}`)])),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const outcomes = results.map((r) => (r as PromiseFulfilledResult<string>).value);
    expect(outcomes.filter((o) => o === 'message')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'quarantined')).toHaveLength(6);
    const rows = await entries(tenant, first.conversation.customer_id);
    expect(rows.map((row) => [row.reason, row.quarantined_count])).toEqual([['rate_limit', 6]]);
  });
});
