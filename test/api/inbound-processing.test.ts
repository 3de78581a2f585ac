/**
 * Processing of stored inbound events (docs/channels.md#processing-inbound-events), through applyInboundActions
 * with hand-built actions (the parsers are tested with the webhooks), and the processor that applies stored events in
 * batches (ordering, races, failures and retries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { allMessages, getConversation, listMessages, newConversation, sentMessageId } from '../support/requests.js';
import { applyActions, conversationByKey, eventStates, inboundText, processAllWith, processWith, providerId, storeEvent } from '../support/inbound.js';
import type { InboundAction } from '../../src/modules/inbound/inbound-event.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let seed: SeedResult;
let phoneSerial = 0;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant();
});
afterAll(async () => h?.close());

/** A fresh wa_id (digits) of this test process. */
function waId(): string {
  return `90532${String(process.pid % 1000).padStart(3, '0')}${String(++phoneSerial).padStart(4, '0')}`;
}

async function messageRow(id: number): Promise<Record<string, any>> {
  const [row] = await sql(h, 'SELECT * FROM messages WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
  return row!;
}

describe('a customer message', () => {
  it('creates customer, conversation and message with the receipt time as created_at', async () => {
    const wa = waId();
    const receivedAt = new Date(h.clock.now().getTime() - 30_000);
    const action = inboundText(`+${wa}`, 'Is the store open on Sunday?', {
      profile: { firstName: 'Mehmet', lastName: 'Kaya Demir', username: null, phone: `+${wa}`, avatarUrl: null },
      providerTimestamp: new Date('2026-11-24T11:00:00Z'),
    });
    expect(await applyActions(h, seed, 'whatsapp', [action], receivedAt)).toBe('message');
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect(conversation).toMatchObject({ address: `+${wa}`, last_message: 'Is the store open on Sunday?', last_message_is_customer: true });
    expect([conversation.unread_count, conversation.message_count, conversation.messages_arrival_ordered]).toEqual([1, 1, true]);
    const [customer] = await sql(h, 'SELECT first_name, last_name, phone_number FROM customers WHERE tenant_id = $1 AND id = $2', [
      seed.tenant_id,
      conversation.customer_id,
    ]);
    expect(customer).toEqual({ first_name: 'Mehmet', last_name: 'Kaya Demir', phone_number: `+${wa}` });
    const [listed] = await allMessages(h, seed.access_token, Number(conversation.id));
    expect(listed).toMatchObject({ is_customer: true, message: 'Is the store open on Sunday?', message_type: 'text' });
    expect(listed.created_at).toBe(receivedAt.toISOString().replace('.000', ''));
    const metadata = JSON.parse(listed.metadata);
    expect(metadata).toMatchObject({
      source: 'customer',
      provider: 'whatsapp',
      provider_message_id: action.providerMessageId,
      provider_timestamp: '2026-11-24T11:00:00Z',
      delivery_status: null,
    });
    expect(Number((await messageRow(listed.id)).seq)).toBe(1);
  });

  it('joins the conversation created through the API with a formatted number, by digits', async () => {
    const wa = waId();
    const formatted = `+${wa.slice(0, 2)} ${wa.slice(2, 5)} ${wa.slice(5, 8)} ${wa.slice(8)}`;
    const conversationId = await newConversation(h, seed, 'whatsapp', formatted);
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Hello')]);
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect(Number(conversation.id)).toBe(conversationId);
    expect([conversation.address, conversation.unread_count]).toEqual([formatted, 1]);
  });

  it('reuses the live customer with the same phone and fills only missing names', async () => {
    const wa = waId();
    const [existing] = await sql(h, 'INSERT INTO customers (tenant_id, phone_number) VALUES ($1, $2) RETURNING id', [seed.tenant_id, `+${wa}`]);
    const profile = { firstName: 'Ayse', lastName: null, username: null, phone: `+${wa}`, avatarUrl: null };
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Hi', { profile })]);
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect(Number(conversation.customer_id)).toBe(Number(existing!.id));
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Hi again', { profile: { ...profile, firstName: 'Other' } })]);
    const [customer] = await sql(h, 'SELECT first_name FROM customers WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, existing!.id]);
    expect(customer!.first_name).toBe('Ayse');
  });

  it('keeps the Telegram username in the customer metadata', async () => {
    const chat = String(500000000 + process.pid * 10 + ++phoneSerial);
    const profile = { firstName: 'Deniz', lastName: null, username: 'dkaya', phone: null, avatarUrl: 'https://cdn.example.test/a.png' };
    await applyActions(h, seed, 'telegram', [inboundText(chat, 'Merhaba', { profile })]);
    const conversation = (await conversationByKey(h, seed, 'telegram', chat))!;
    const [customer] = await sql(h, 'SELECT first_name, avatar_url, metadata, phone_number FROM customers WHERE tenant_id = $1 AND id = $2', [
      seed.tenant_id,
      conversation.customer_id,
    ]);
    expect(customer).toEqual({ first_name: 'Deniz', avatar_url: 'https://cdn.example.test/a.png', metadata: { username: 'dkaya' }, phone_number: null });
  });

  it('is stored once when its event runs again, and a quoted provider id becomes quoted_message_id', async () => {
    const wa = waId();
    const first = inboundText(`+${wa}`, 'First');
    await applyActions(h, seed, 'whatsapp', [first]);
    expect(await applyActions(h, seed, 'whatsapp', [first])).toBe('duplicate');
    const reply = inboundText(`+${wa}`, 'About that', { quotedProviderMessageId: first.providerMessageId });
    await applyActions(h, seed, 'whatsapp', [reply]);
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect([conversation.message_count, conversation.unread_count]).toEqual([2, 2]);
    const listed = await allMessages(h, seed.access_token, Number(conversation.id));
    expect(listed.map((m) => m.message)).toEqual(['About that', 'First']);
    expect(JSON.parse(listed[0].metadata).quoted_message_id).toBe(listed[1].id);
    expect(listed[0].quoted_text).toBe('First');
  });

  it('received before the newest message leaves last_message_* on the newest (list order, not processing order)', async () => {
    const wa = waId();
    const now = h.clock.now().getTime();
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Later')], new Date(now - 10_000));
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Earlier')], new Date(now - 20_000));
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect([conversation.last_message, conversation.message_count, conversation.unread_count]).toEqual(['Later', 2, 2]);
    // Arrival no longer equals list order: the list reads by OFFSET and is still created_at DESC.
    expect(conversation.messages_arrival_ordered).toBe(false);
    const listed = await allMessages(h, seed.access_token, Number(conversation.id));
    expect(listed.map((m) => m.message)).toEqual(['Later', 'Earlier']);
  });

  it('mixed with API sends keeps arrival numbers, so deep pages read by number in list order', async () => {
    const wa = waId();
    const address = `+${wa}`;
    await applyActions(h, seed, 'whatsapp', [inboundText(address, 'in 0')]);
    const conversationId = Number((await conversationByKey(h, seed, 'whatsapp', wa))!.id);
    const expected: string[] = ['in 0'];
    for (let i = 1; i <= 12; i++) {
      h.clock.advance(1);
      if (i % 3 === 0) {
        await sentMessageId(h, seed.access_token, conversationId, `out ${i}`);
        expected.push(`out ${i}`);
      } else {
        await applyActions(h, seed, 'whatsapp', [inboundText(address, `in ${i}`)]);
        expected.push(`in ${i}`);
      }
    }
    const conversation = (await conversationByKey(h, seed, 'whatsapp', wa))!;
    expect([conversation.messages_arrival_ordered, conversation.message_count]).toEqual([true, 13]);
    const seqs = await sql(h, 'SELECT seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at, id', [
      seed.tenant_id,
      conversationId,
    ]);
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    const paged: string[] = [];
    for (let page = 1; page <= 5; page++) {
      const response = await listMessages(h, seed.access_token, conversationId, `?per_page=3&page=${page}`);
      expect(response.status, response.body).toBe(200);
      expect(response.json.meta.total).toBe(13);
      paged.push(...response.json.data.map((m: { message: string }) => m.message));
    }
    expect(paged).toEqual([...expected].reverse());
    const detail = await getConversation(h, seed.access_token, conversationId);
    expect(detail.unread_count).toBe('9');
  });
});

describe('statuses, edits, reactions, withdrawals and echoes', () => {
  async function outbound(): Promise<{ conversationId: number; messageId: number; mid: string; address: string }> {
    const wa = waId();
    await applyActions(h, seed, 'whatsapp', [inboundText(`+${wa}`, 'Hi')]);
    const conversationId = Number((await conversationByKey(h, seed, 'whatsapp', wa))!.id);
    const messageId = await sentMessageId(h, seed.access_token, conversationId, 'Hello from us');
    const mid = providerId('wamid');
    await sql(h, "UPDATE messages SET provider_message_id = $3, delivery_status = 'sent' WHERE tenant_id = $1 AND id = $2", [seed.tenant_id, messageId, mid]);
    return { conversationId, messageId, mid, address: `+${wa}` };
  }
  const status = (providerMessageId: string, value: 'sent' | 'delivered' | 'read' | 'failed', failureReason: string | null = null): InboundAction => ({
    kind: 'status',
    providerMessageId,
    status: value,
    failureReason,
  });

  it('delivery status moves forward only; failed only before delivered; unknown ids are ignored', async () => {
    const { messageId, mid } = await outbound();
    const read = async () => (await messageRow(messageId)).delivery_status;
    expect(await applyActions(h, seed, 'whatsapp', [status(mid, 'delivered')])).toBe('status');
    expect(await read()).toBe('delivered');
    expect(await applyActions(h, seed, 'whatsapp', [status(mid, 'failed', '131047: Re-engagement message')])).toBe('ignored');
    expect(await applyActions(h, seed, 'whatsapp', [status(mid, 'sent')])).toBe('ignored');
    expect(await read()).toBe('delivered');
    await applyActions(h, seed, 'whatsapp', [status(mid, 'read')]);
    expect(await read()).toBe('read');
    expect(await applyActions(h, seed, 'whatsapp', [status('wamid.unknown', 'read')])).toBe('ignored');

    const other = await outbound();
    await applyActions(h, seed, 'whatsapp', [status(other.mid, 'failed', '131047: Re-engagement message')]);
    expect(await messageRow(other.messageId)).toMatchObject({ delivery_status: 'failed', failure_reason: '131047: Re-engagement message' });
    await applyActions(h, seed, 'whatsapp', [status(other.mid, 'delivered')]);
    expect((await messageRow(other.messageId)).delivery_status).toBe('failed');
  });

  it('an edit keeps the old text as previous_text; reactions and withdrawals go to metadata', async () => {
    const { messageId, mid, address, conversationId } = await outbound();
    const original = inboundText(address, 'Typo heer');
    await applyActions(h, seed, 'whatsapp', [original]);
    const at = new Date('2026-11-24T12:30:00Z');
    const outcome = await applyActions(h, seed, 'whatsapp', [
      { kind: 'edit', address, providerMessageId: original.providerMessageId, text: 'Typo here' },
      { kind: 'reaction', address, providerMessageId: mid, emoji: '👍', at },
      { kind: 'withdrawal', address, providerMessageId: 'unknown.mid' },
    ]);
    expect(outcome).toBe('edit,reaction,ignored');
    const listed = await allMessages(h, seed.access_token, conversationId);
    const edited = listed.find((m) => JSON.parse(m.metadata).provider_message_id === original.providerMessageId);
    expect([edited.message, edited.is_edited, JSON.parse(edited.metadata).previous_text]).toEqual(['Typo here', false, 'Typo heer']);
    expect((await getConversation(h, seed.access_token, conversationId)).last_message).toBe('Typo here');
    const reacted = listed.find((m) => m.id === messageId);
    expect(JSON.parse(reacted.metadata).reactions).toEqual([{ emoji: '👍', at: '2026-11-24T12:30:00Z' }]);
    await applyActions(h, seed, 'whatsapp', [{ kind: 'reaction', address, providerMessageId: mid, emoji: null, at }]);
    expect((await messageRow(messageId)).extra_metadata.reactions).toEqual([]);
    await applyActions(h, seed, 'whatsapp', [{ kind: 'withdrawal', address, providerMessageId: original.providerMessageId }]);
    const withdrawn = await messageRow(edited.id);
    expect([withdrawn.extra_metadata.deleted_by_customer, withdrawn.message, withdrawn.is_deleted]).toEqual([true, 'Typo here', false]);
  });

  it('an Instagram echo is an outbound provider_app message that leaves unread alone; an echo of ours is ignored', async () => {
    const igsid = String(6701234500000000 + process.pid * 100 + ++phoneSerial);
    await applyActions(h, seed, 'instagram', [inboundText(igsid, 'Do you have size 42?')]);
    const before = (await conversationByKey(h, seed, 'instagram', igsid))!;
    h.clock.advance(1);
    const echo = inboundText(igsid, 'Yes we do (from the app)', { echo: true });
    expect(await applyActions(h, seed, 'instagram', [echo])).toBe('echo');
    const after = (await conversationByKey(h, seed, 'instagram', igsid))!;
    expect([after.unread_count, after.message_count, after.last_message, after.last_message_is_customer]).toEqual([
      before.unread_count,
      2,
      'Yes we do (from the app)',
      false,
    ]);
    const [listed] = await allMessages(h, seed.access_token, Number(after.id));
    expect([listed.is_customer, listed.user_id]).toEqual([false, null]);
    expect(JSON.parse(listed.metadata)).toMatchObject({ source: 'provider_app', delivery_status: 'sent' });

    const ours = await sentMessageId(h, seed.access_token, Number(after.id), 'Sent through the API');
    const mid = providerId('ig');
    await sql(h, 'UPDATE messages SET provider_message_id = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, ours, mid]);
    expect(await applyActions(h, seed, 'instagram', [inboundText(igsid, 'Sent through the API', { echo: true, providerMessageId: mid })])).toBe('ignored');
    expect((await conversationByKey(h, seed, 'instagram', igsid))!.message_count).toBe(3);
  });
});

describe('the inbound processor', () => {
  /** Hand-built actions: the stored payload names the address and text, `fail` makes parsing throw. */
  const parse = (_provider: string, payload: unknown): InboundAction[] => {
    const { chat, text, fail } = payload as { chat: string; text: string; fail?: boolean };
    if (fail) throw new Error(`cannot read ${text}`);
    return [inboundText(chat, text)];
  };
  const chatId = () => String(700000000 + process.pid * 10 + ++phoneSerial);

  async function storeTexts(chat: string, texts: string[], options: { orderingKey?: string | null; fail?: string } = {}): Promise<number[]> {
    const ids: number[] = [];
    for (const text of texts) {
      const payload = { chat, text, fail: text === options.fail };
      ids.push(
        await storeEvent(h, seed, 'telegram', {
          key: `update:${chat}:${text}`,
          payload,
          orderingKey: options.orderingKey === undefined ? `inbound:${chat}` : options.orderingKey,
        }),
      );
    }
    return ids;
  }

  async function textsOf(chat: string): Promise<string[]> {
    const conversation = await conversationByKey(h, seed, 'telegram', chat);
    if (!conversation) return [];
    const rows = await sql(h, 'SELECT message FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY seq', [seed.tenant_id, conversation.id]);
    return rows.map((row) => row.message);
  }

  it('applies a batch in one transaction: messages in receipt order, events settled with their outcome, totals counted', async () => {
    await h.drainJobs();
    const before = (await h.request({ url: '/api/v1/conversations?channel_type=telegram', token: seed.access_token })).json.meta.total;
    const [a, b] = [chatId(), chatId()];
    const ids = [...(await storeTexts(a, ['a1', 'a2'])), ...(await storeTexts(b, ['b1'])), ...(await storeTexts(a, ['a3']))];
    expect(await processWith(h, parse)).toBe(4);
    expect((await eventStates(h, seed.tenant_id, ids)).map((e) => [e.outcome, e.processed])).toEqual(Array(4).fill(['message', true]));
    expect(await textsOf(a)).toEqual(['a1', 'a2', 'a3']);
    expect(await textsOf(b)).toEqual(['b1']);
    expect((await h.request({ url: '/api/v1/conversations?channel_type=telegram', token: seed.access_token })).json.meta.total).toBe(before + 2);
    expect(await processWith(h, parse)).toBe(0);
  });

  it('one batch, known conversations: each message sees the ones before it, so a flood blocks once and quarantines the rest', async () => {
    const flooding = await h.seedTenant();
    await sql(h, `UPDATE tenants SET settings = COALESCE(settings, '{}'::jsonb) || jsonb_build_object('flood', $2::jsonb) WHERE id = $1`, [
      flooding.tenant_id,
      JSON.stringify({ enabled: true, max_messages: 3, window_seconds: 60, block_ttl_seconds: 600 }),
    ]);
    const [chat, calm] = [chatId(), chatId()];
    // The conversations exist before the batch: their rows and pair locks are taken together at its start.
    await applyActions(h, flooding, 'telegram', [inboundText(chat, 'hello')], new Date(h.clock.now().getTime() - 120_000));
    await applyActions(h, flooding, 'telegram', [inboundText(calm, 'hi')], new Date(h.clock.now().getTime() - 120_000));
    const ids: number[] = [];
    for (const [from, text] of [
      [chat, 'f1'],
      [chat, 'f2'],
      [calm, 'c1'],
      [chat, 'f3'],
      [chat, 'f4'],
      [chat, 'f5'],
    ] as const) {
      ids.push(await storeEvent(h, flooding, 'telegram', { key: `update:${from}:${text}`, payload: { chat: from, text }, orderingKey: `inbound:${from}` }));
    }
    expect(await processWith(h, parse)).toBe(6);
    expect((await eventStates(h, flooding.tenant_id, ids)).map((e) => e.outcome)).toEqual([
      'message',
      'message',
      'message',
      'message',
      'quarantined',
      'quarantined',
    ]);
    const entries = await sql(h, 'SELECT reason, quarantined_count FROM channel_blacklists WHERE tenant_id = $1 AND deleted_at IS NULL', [flooding.tenant_id]);
    expect(entries).toEqual([{ reason: 'rate_limit', quarantined_count: 2 }]);
    const conversation = (await conversationByKey(h, flooding, 'telegram', chat))!;
    expect([conversation.message_count, conversation.unread_count, conversation.last_message]).toEqual([4, 4, 'f3']);
  });

  it('two processors racing to create one conversation converge on it', async () => {
    const chat = chatId();
    // No ordering key: both events are taken at once, as two processes would, and race to create the conversation.
    const ids = await storeTexts(chat, ['first', 'second'], { orderingKey: null });
    const settled = await Promise.all([processWith(h, parse, 1), processWith(h, parse, 1)]);
    expect(settled.reduce((sum, n) => sum + n, 0)).toBe(2);
    expect((await eventStates(h, seed.tenant_id, ids)).map((e) => e.outcome)).toEqual(['message', 'message']);
    const conversations = await sql(h, 'SELECT message_count FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3', [
      seed.tenant_id,
      seed.channels.telegram,
      chat,
    ]);
    expect(conversations.map((c) => c.message_count)).toEqual([2]);
  });

  it("keeps one customer's events in receipt order across processors: a batch never takes an event whose earlier one another holds", async () => {
    const chat = chatId();
    const ids = await storeTexts(chat, ['one', 'two', 'three']);
    // The first event is held by another processor's open transaction; this one may take none of the three.
    await h.deps.db.transaction(async (held) => {
      await held.query('SELECT id FROM inbound_events WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [seed.tenant_id, ids[0]]);
      if (h.deps.db.kind === 'postgres') expect(await processWith(h, parse)).toBe(0);
    });
    expect(await processWith(h, parse)).toBe(3);
    expect(await textsOf(chat)).toEqual(['one', 'two', 'three']);
  });

  it("an event that fails waits for its retry with its customer behind it; the batch's other events go through", async () => {
    const [bad, good] = [chatId(), chatId()];
    const badIds = await storeTexts(bad, ['x1', 'x2', 'x3'], { fail: 'x2' });
    const goodIds = await storeTexts(good, ['g1']);
    expect(await processAllWith(h, parse)).toBe(3); // x1, the failed attempt of x2, g1
    expect((await eventStates(h, seed.tenant_id, goodIds))[0]).toMatchObject({ outcome: 'message', processed: true });
    const [x1, x2, x3] = await eventStates(h, seed.tenant_id, badIds);
    expect(x1).toMatchObject({ outcome: 'message', processed: true, attempts: 0 });
    expect(x2).toMatchObject({ processed: false, attempts: 1, last_error: 'cannot read x2' });
    expect(x2!.run_at!.getTime()).toBeGreaterThan(h.clock.now().getTime());
    expect(x3).toMatchObject({ processed: false, attempts: 0 });
    expect(await textsOf(bad)).toEqual(['x1']);

    // Each retry fails again; after the last attempt x2 is settled as failed and x3 goes on.
    for (let attempt = 2; attempt <= 8; attempt++) {
      h.clock.advance(301_000);
      await processAllWith(h, parse);
    }
    const [, failed, after] = await eventStates(h, seed.tenant_id, badIds);
    expect(failed).toMatchObject({ processed: true, outcome: 'failed', attempts: 8, last_error: 'cannot read x2' });
    expect(after).toMatchObject({ processed: true, outcome: 'message' });
    expect(await textsOf(bad)).toEqual(['x1', 'x3']);
  });
});
