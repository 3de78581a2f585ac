import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectExactJson, sendSnapshot } from '../support/assertions.js';
import { insertMessage, sql } from '../support/factories.js';
import { conversationWithCustomer } from '../support/outbound.js';
import { sendText } from '../support/requests.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** GET /api/v1/conversations/{id}/reply-window and the send refusal it predicts (docs/domain-rules.md#channels). */

let h: Harness;
let seed: SeedResult;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant();
});
afterAll(async () => h?.close());

const DAY_MS = 24 * 3600 * 1000;

function iso(date: Date): string {
  return date.toISOString().slice(0, 19) + 'Z';
}

async function replyWindow(conversationId: number) {
  const response = await h.request({ url: `/api/v1/conversations/${conversationId}/reply-window`, token: seed.access_token });
  expect(response.status, response.body).toBe(200);
  return response.json;
}

function expected(data: Record<string, unknown>) {
  return { success: 'Reply window retrieved successfully.', data };
}

describe.each([
  ['whatsapp', 'WhatsApp', '+9053212345'],
  ['instagram', 'Instagram', '12544591546829'],
] as const)('the reply window on %s', (type, provider, address) => {
  it('is open for 24 hours from the latest customer message and closes at that instant (send refused from then)', async () => {
    const at = new Date(h.clock.now().getTime() - 20 * 60 * 1000);
    const conversationId = await conversationWithCustomer(h, seed, type, address + '61', at);
    const closesAt = new Date(at.getTime() + DAY_MS);
    expectExactJson(
      await replyWindow(conversationId),
      expected({ channel_type: type, is_open: true, last_customer_message_at: iso(at), closes_at: iso(closesAt), requires_template: false }),
    );
    // One second before the boundary: still open, a send is accepted.
    h.clock.set(new Date(closesAt.getTime() - 1000));
    expect((await replyWindow(conversationId)).data.is_open).toBe(true);
    const accepted = await sendText(h, seed.access_token, conversationId, { message: 'Just in time' });
    expect(accepted.status, accepted.body).toBe(200);
    // At the boundary: closed, and the send is refused before anything is stored.
    h.clock.set(closesAt);
    expectExactJson(
      await replyWindow(conversationId),
      expected({ channel_type: type, is_open: false, last_customer_message_at: iso(at), closes_at: iso(closesAt), requires_template: type === 'whatsapp' }),
    );
    const before = await sendSnapshot(h, seed, conversationId);
    const refused = await sendText(h, seed.access_token, conversationId, { message: 'Too late' });
    const message = `The 24-hour reply window of this ${provider} conversation closed at ${iso(closesAt)}. The customer has to write first.`;
    expect(refused.status, refused.body).toBe(422);
    expectExactJson(refused.json, { error: 'reply_window_closed', message, errors: { message: [message] } });
    expect(await sendSnapshot(h, seed, conversationId)).toEqual(before);
  });

  it('has no open window without a customer message', async () => {
    const conversationId = await conversationWithCustomer(h, seed, type, address + '62', null);
    // Messages the business sent do not open it.
    await insertMessage(h, seed.tenant_id, conversationId, { isCustomer: false, text: 'Hello from us' });
    expectExactJson(
      await replyWindow(conversationId),
      expected({ channel_type: type, is_open: false, last_customer_message_at: null, closes_at: null, requires_template: type === 'whatsapp' }),
    );
    const before = await sendSnapshot(h, seed, conversationId);
    const refused = await sendText(h, seed.access_token, conversationId, { message: 'Anyone there?' });
    const message = `This ${provider} conversation has no open reply window. The customer has to write first.`;
    expect(refused.status, refused.body).toBe(422);
    expectExactJson(refused.json, { error: 'reply_window_closed', message, errors: { message: [message] } });
    expect(await sendSnapshot(h, seed, conversationId)).toEqual(before);
  });

  it('runs from the latest customer message, also when it was deleted', async () => {
    const now = h.clock.now();
    const conversationId = await conversationWithCustomer(h, seed, type, address + '63', new Date(now.getTime() - 2 * DAY_MS));
    const latest = await insertMessage(h, seed.tenant_id, conversationId, { text: 'Still there?', at: new Date(now.getTime() - 3600 * 1000) });
    await sql(h, 'UPDATE messages SET is_deleted = true WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, latest]);
    const window = await replyWindow(conversationId);
    expect(window.data).toMatchObject({ is_open: true, last_customer_message_at: iso(new Date(now.getTime() - 3600 * 1000)) });
  });
});

describe('channels without a reply window', () => {
  it.each(['telegram', 'website'] as const)('%s is always open with closes_at null', async (type) => {
    const empty = await conversationWithCustomer(h, seed, type, type === 'telegram' ? '531234500' : 'visitor-reply-window', null);
    expectExactJson(
      await replyWindow(empty),
      expected({ channel_type: type, is_open: true, last_customer_message_at: null, closes_at: null, requires_template: false }),
    );
    const at = new Date(h.clock.now().getTime() - 3 * DAY_MS);
    const old = await conversationWithCustomer(h, seed, type, type === 'telegram' ? '531234501' : 'visitor-reply-window-2', at);
    expectExactJson(
      await replyWindow(old),
      expected({ channel_type: type, is_open: true, last_customer_message_at: iso(at), closes_at: null, requires_template: false }),
    );
    const sent = await sendText(h, seed.access_token, old, { message: 'Days later' });
    expect(sent.status, sent.body).toBe(200);
  });

  it('answers 404 for an unknown conversation', async () => {
    const response = await h.request({ url: '/api/v1/conversations/999999999/reply-window', token: seed.access_token });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'not_found', message: 'Conversation not found.' });
  });
});
