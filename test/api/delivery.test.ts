import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { AdapterRegistry } from '../../src/modules/delivery/adapters.js';
import { PermanentDeliveryError, TransientDeliveryError, type ChannelAdapter, type OutboundDelivery } from '../../src/modules/delivery/channel-adapter.js';
import { claimJobs } from '../../src/platform/jobs/job-queue.js';
import { connectChannel } from '../support/outbound.js';

/** A provider stand-in for Telegram whose behaviour each test scripts; it records every call. */
class ScriptedAdapter implements ChannelAdapter {
  readonly name = 'scripted';
  calls: OutboundDelivery[] = [];
  script: Array<'ok' | 'transient' | 'permanent'> = [];

  async send(delivery: OutboundDelivery) {
    this.calls.push(delivery);
    const step = this.script.shift() ?? 'ok';
    if (step === 'transient') throw new TransientDeliveryError('503: Service Unavailable');
    if (step === 'permanent') throw new PermanentDeliveryError('403: Forbidden: bot was blocked by the user');
    return { status: 'sent' as const, providerMessageId: `tg-${delivery.messageId}` };
  }
}

const adapter = new ScriptedAdapter();
let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { adapters: new AdapterRegistry((type) => (type === 'telegram' ? adapter : null)) });
});
afterAll(async () => h?.close());

async function metadata(token: string, conversationId: number, messageId: number) {
  const list = await h.request({ url: `/api/v1/conversations/${conversationId}/messages?per_page=100`, token });
  const message = list.json.data.find((item: { id: number }) => item.id === messageId);
  return JSON.parse(message.metadata);
}

/** A telegram conversation of a new tenant; `credentials` makes its channel use the scripted adapter. */
async function telegramConversation(credentials: boolean) {
  const seed = await h.seedTenant({ conversations: 8 });
  if (credentials) {
    await connectChannel(h, seed, 'telegram', {}, { bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
  }
  const list = await h.request({ url: '/api/v1/conversations?channel_type=telegram', token: seed.access_token });
  return { token: seed.access_token, conversationId: list.json.data[0].id as number, tenantId: seed.tenant_id };
}

async function send(token: string, conversationId: number, text = 'Hello') {
  const response = await h.request({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, token, body: { message: text } });
  expect(response.status, response.body).toBe(200);
  return Number(response.json.data.message_id);
}

describe('outbound delivery', () => {
  it('delivers through the sandbox when the channel has no credentials', async () => {
    const { token, conversationId } = await telegramConversation(false);
    const messageId = await send(token, conversationId);
    expect((await metadata(token, conversationId, messageId)).delivery_status).toBe('queued');
    await h.drainJobs();
    const after = await metadata(token, conversationId, messageId);
    expect(after).toMatchObject({ delivery_status: 'delivered', provider_message_id: `sandbox-${messageId}`, failure_reason: null });
  });

  it('delivers exactly once when a worker dies between claim and completion', async () => {
    const { token, conversationId } = await telegramConversation(true);
    adapter.calls = [];
    const messageId = await send(token, conversationId);
    // A worker claims the job and dies before running it: the row stays "running" under its lease.
    const claimed = await claimJobs(h.deps.db, { workerId: 'crashed-worker', limit: 10, now: h.clock.now(), leaseSeconds: 120 });
    expect(claimed.map((job) => job.payload.message_id)).toContain(messageId);
    expect(await h.drainJobs()).toBe(0);
    expect(adapter.calls).toHaveLength(0);
    h.clock.advance(121);
    await h.drainJobs();
    await h.drainJobs();
    expect(adapter.calls.filter((call) => call.messageId === messageId)).toHaveLength(1);
    expect(await metadata(token, conversationId, messageId)).toMatchObject({ delivery_status: 'sent', provider_message_id: `tg-${messageId}` });
    const left = await h.deps.db.query('SELECT count(*)::int AS n FROM jobs WHERE payload->>$1 = $2', ['message_id', String(messageId)]);
    expect(left.rows[0]).toEqual({ n: 0 });
  });

  it('retries transient failures with backoff, driven by the clock', async () => {
    const { token, conversationId } = await telegramConversation(true);
    adapter.calls = [];
    adapter.script = ['transient', 'ok'];
    const messageId = await send(token, conversationId);
    await h.drainJobs();
    expect(adapter.calls).toHaveLength(1);
    expect((await metadata(token, conversationId, messageId)).delivery_status).toBe('queued');
    const job = await h.deps.db.query<{ attempts: number; status: string; last_error: string }>(
      `SELECT attempts, status, last_error FROM jobs WHERE payload->>'message_id' = $1`,
      [String(messageId)],
    );
    expect(job.rows[0]).toMatchObject({ attempts: 1, status: 'pending', last_error: '503: Service Unavailable' });
    h.clock.advance(300);
    await h.drainJobs();
    expect(adapter.calls).toHaveLength(2);
    expect((await metadata(token, conversationId, messageId)).delivery_status).toBe('sent');
  });

  it('fails at once on a permanent provider error, and after the last attempt on transient ones', async () => {
    const { token, conversationId } = await telegramConversation(true);
    adapter.script = ['permanent'];
    const refused = await send(token, conversationId, 'first');
    await h.drainJobs();
    expect(await metadata(token, conversationId, refused)).toMatchObject({
      delivery_status: 'failed',
      failure_reason: '403: Forbidden: bot was blocked by the user',
    });

    adapter.script = Array(8).fill('transient');
    const unlucky = await send(token, conversationId, 'second');
    for (let attempt = 0; attempt < 8; attempt++) {
      await h.drainJobs();
      h.clock.advance(300);
    }
    expect(await metadata(token, conversationId, unlucky)).toMatchObject({
      delivery_status: 'failed',
      failure_reason: 'Provider unavailable after 8 attempts: 503: Service Unavailable',
    });
  });

  it('keeps the conversation exact under concurrent sends', async () => {
    const { token, conversationId, tenantId } = await telegramConversation(false);
    const before = await h.request({ url: `/api/v1/conversations/${conversationId}/messages`, token });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, index) => send(token, conversationId, `parallel ${index}`)));
    expect(new Set(ids).size).toBe(20);
    const after = await h.request({ url: `/api/v1/conversations/${conversationId}/messages`, token });
    expect(after.json.meta.total).toBe(before.json.meta.total + 20);
    const conversation = await h.request({ url: `/api/v1/conversations/${conversationId}`, token });
    expect(Number(conversation.json.data.last_message_id)).toBe(Math.max(...ids));
    expect(after.json.data[0].id).toBe(Math.max(...ids));
    const counted = await h.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [
      tenantId,
      conversationId,
    ]);
    expect(counted.rows[0]!.n).toBe(after.json.meta.total);
  });
});
