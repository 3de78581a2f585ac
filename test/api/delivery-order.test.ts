/**
 * Deliveries of one conversation run one at a time, in send order (docs/jobs-and-delivery.md#delivery): the first job of a key is
 * runnable, the ones behind it wait in their own state and are promoted as each finishes, retries keep their place,
 * a dead job frees its key, and a waiting job nobody promoted is picked up by the worker's sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { AdapterRegistry } from '../../src/modules/delivery/adapters.js';
import { TransientDeliveryError, type ChannelAdapter, type OutboundDelivery } from '../../src/modules/delivery/channel-adapter.js';
import { claimJobs } from '../../src/platform/jobs/job-queue.js';
import { sentMessageId } from '../support/requests.js';
import { sql } from '../support/factories.js';
import { connectChannel } from '../support/outbound.js';

class RecordingAdapter implements ChannelAdapter {
  readonly name = 'recording';
  delivered: number[] = [];
  failNext = 0;

  async send(delivery: OutboundDelivery) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new TransientDeliveryError('503: Service Unavailable');
    }
    this.delivered.push(delivery.messageId);
    return { status: 'sent' as const, providerMessageId: `tg-${delivery.messageId}` };
  }
}

const adapter = new RecordingAdapter();
let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { adapters: new AdapterRegistry((type) => (type === 'telegram' ? adapter : null)) });
});
afterAll(async () => h?.close());

async function telegramConversation() {
  const seed = await h.seedTenant({ conversations: 8 });
  await connectChannel(h, seed, 'telegram', {}, { bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
  const list = await h.request({ url: '/api/v1/conversations?channel_type=telegram', token: seed.access_token });
  return { token: seed.access_token, conversationId: list.json.data[0].id as number };
}

async function jobStates(messageIds: number[]): Promise<string[]> {
  const rows = await sql<{ message_id: string; status: string }>(
    h,
    `SELECT payload->>'message_id' AS message_id, status FROM jobs WHERE payload->>'message_id' = ANY($1::text[])`,
    [messageIds.map(String)],
  );
  return messageIds.map((id) => rows.find((row) => Number(row.message_id) === id)?.status ?? 'gone');
}

async function sendThree(token: string, conversationId: number): Promise<number[]> {
  const ids: number[] = [];
  for (const text of ['one', 'two', 'three']) ids.push(await sentMessageId(h, token, conversationId, text));
  return ids;
}

describe('delivery order within a conversation', () => {
  it('queues the first send as runnable and the later ones as waiting, then delivers them in send order', async () => {
    const { token, conversationId } = await telegramConversation();
    adapter.delivered = [];
    const ids = await sendThree(token, conversationId);
    expect(await jobStates(ids)).toEqual(['pending', 'waiting', 'waiting']);
    // A claim takes only the head of the key, however many it may take.
    const claimed = await claimJobs(h.deps.db, { workerId: 'probe', limit: 10, now: h.clock.now(), leaseSeconds: 1 });
    expect(claimed.map((job) => Number(job.payload.message_id)).filter((id) => ids.includes(id))).toEqual([ids[0]]);
    h.clock.advance(2);
    await h.drainJobs();
    expect(adapter.delivered).toEqual(ids);
    expect(await jobStates(ids)).toEqual(['gone', 'gone', 'gone']);
  });

  it('keeps the later sends waiting while the first one retries', async () => {
    const { token, conversationId } = await telegramConversation();
    adapter.delivered = [];
    adapter.failNext = 1;
    const ids = await sendThree(token, conversationId);
    await h.drainJobs();
    expect(adapter.delivered).toEqual([]);
    expect(await jobStates(ids)).toEqual(['pending', 'waiting', 'waiting']);
    h.clock.advance(300);
    await h.drainJobs();
    expect(adapter.delivered).toEqual(ids);
  });

  it('a dead job frees its key for the next one', async () => {
    const { token, conversationId } = await telegramConversation();
    adapter.delivered = [];
    adapter.failNext = 8;
    const ids = await sendThree(token, conversationId);
    for (let attempt = 0; attempt < 8; attempt++) {
      await h.drainJobs();
      h.clock.advance(300);
    }
    await h.drainJobs();
    expect(await jobStates(ids)).toEqual(['gone', 'gone', 'gone']);
    expect(adapter.delivered).toEqual(ids.slice(1));
    const failed = await h.request({ url: `/api/v1/conversations/${conversationId}/messages?per_page=100`, token });
    const first = failed.json.data.find((message: { id: number }) => message.id === ids[0]);
    expect(JSON.parse(first.metadata).delivery_status).toBe('failed');
  });

  it('the sweep promotes a waiting job whose key has nothing runnable left', async () => {
    const { token, conversationId } = await telegramConversation();
    adapter.delivered = [];
    const ids = await sendThree(token, conversationId);
    // As if the first job finished while the second was being queued: nobody promoted the second.
    await sql(h, `DELETE FROM jobs WHERE payload->>'message_id' = $1`, [String(ids[0])]);
    expect(await jobStates(ids)).toEqual(['gone', 'waiting', 'waiting']);
    await h.drainJobs();
    expect(adapter.delivered).toEqual(ids.slice(1));
  });

  it('a send after the queue drained is runnable at once', async () => {
    const { token, conversationId } = await telegramConversation();
    await sendThree(token, conversationId);
    await h.drainJobs();
    const later = await sentMessageId(h, token, conversationId, 'four');
    expect(await jobStates([later])).toEqual(['pending']);
  });
});
