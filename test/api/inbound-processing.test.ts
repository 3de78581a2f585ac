/**
 * Processing of stored inbound events (docs/channels.md#processing-inbound-events), through applyInboundActions
 * with hand-built actions (the parsers are tested with the webhooks), and the process_inbound job glue once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { allMessages, getConversation, listMessages, newConversation, sentMessageId } from '../support/requests.js';
import { applyActions, conversationByKey, inboundText, providerId } from '../support/inbound.js';
import { enqueue } from '../../src/platform/jobs/job-queue.js';
import { JobWorker } from '../../src/platform/jobs/job-worker.js';
import { processInboundJob } from '../../src/modules/inbound/process-inbound.job.js';
import { processInboundEvent } from '../../src/modules/inbound/process-inbound.js';
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

describe('the process_inbound job', () => {
  it('loads the event, applies the parsed actions, marks it processed with the job, and converges on one conversation', async () => {
    const chat = String(700000000 + process.pid * 10 + ++phoneSerial);
    await h.drainJobs(); // the deliveries of earlier tests: this test's worker runs only its own two jobs
    const receivedAt = new Date(h.clock.now().getTime() - 5000);
    const eventIds: number[] = [];
    for (const key of ['update:1', 'update:2']) {
      const [row] = await sql(
        h,
        `INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, received_at) VALUES ($1, $2, 'telegram', $3, $4, $5) RETURNING id`,
        [seed.tenant_id, seed.channels.telegram, `${key}:${chat}`, JSON.stringify({ text: `text of ${key}` }), receivedAt],
      );
      eventIds.push(Number(row!.id));
    }
    // No ordering key: both events run at once, as two workers would, and race to create the conversation.
    await h.deps.db.transaction(async (tx) => {
      for (const id of eventIds) await enqueue(tx, processInboundJob, { event_id: id }, { tenantId: seed.tenant_id, runAt: h.clock.now() });
    });
    const parse = (_provider: string, payload: unknown): InboundAction[] => [inboundText(chat, (payload as { text: string }).text)];
    const worker = new JobWorker({
      db: h.deps.db,
      clock: h.clock,
      concurrency: 2,
      leaseSeconds: 30,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      handlers: { [processInboundJob.type]: (context) => processInboundEvent(context as never, h.deps, parse) },
      recurring: [],
    });
    expect(await worker.drain()).toBe(2);
    await worker.stop();
    const events = await sql(h, 'SELECT processed_at, outcome FROM inbound_events WHERE tenant_id = $1 AND id = ANY($2::bigint[])', [seed.tenant_id, eventIds]);
    expect(events.map((e) => [e.outcome, e.processed_at !== null])).toEqual([
      ['message', true],
      ['message', true],
    ]);
    const conversations = await sql(h, 'SELECT id, message_count FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3', [
      seed.tenant_id,
      seed.channels.telegram,
      chat,
    ]);
    expect(conversations.map((c) => c.message_count)).toEqual([2]);
    const customers = await sql(
      h,
      'SELECT count(*)::int AS n FROM customers c WHERE tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id) AND c.created_at >= $2',
      [seed.tenant_id, receivedAt],
    );
    expect(customers[0]!.n).toBe(0);
    const jobs = await sql(h, "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'process_inbound'", [seed.tenant_id]);
    expect(jobs[0]!.n).toBe(0);
  });
});
