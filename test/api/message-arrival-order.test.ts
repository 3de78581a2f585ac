/**
 * Deep message pages by arrival number (migration 0014): while a conversation's messages were numbered by the
 * send path and none arrived older than one already there, a page is a seq range; anything else puts the
 * conversation back on the OFFSET walk. Either way the list is exactly `created_at DESC, id DESC`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { conversationOn, listMessages, sentMessageId } from '../support/requests.js';
import { insertMessage, sql } from '../support/factories.js';
import { MessageFinder } from '../../src/modules/messages/message.finder.js';
import { numberMessagesInListOrder } from '../../src/modules/messages/message.repository.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function state(tenantId: number, conversationId: number) {
  const [row] = await sql(h, 'SELECT message_count, messages_arrival_ordered FROM conversations WHERE tenant_id = $1 AND id = $2', [tenantId, conversationId]);
  const seqs = await sql(h, 'SELECT seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at, id', [tenantId, conversationId]);
  return {
    total: Number(row!.message_count),
    ordered: row!.messages_arrival_ordered as boolean,
    seqs: seqs.map((r) => (r.seq === null ? null : Number(r.seq))),
  };
}

/** The list order by definition, straight from the table. */
async function listOrder(tenantId: number, conversationId: number): Promise<number[]> {
  const rows = await sql(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC', [
    tenantId,
    conversationId,
  ]);
  return rows.map((row) => Number(row.id));
}

/** Every page through the API with a small page size, concatenated. */
async function listedIds(seed: SeedResult, conversationId: number, perPage: number): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const response = await listMessages(h, seed.access_token, conversationId, `?per_page=${perPage}&page=${page}`);
    expect(response.status, response.body).toBe(200);
    ids.push(...response.json.data.map((message: { id: number }) => message.id));
    if (page >= response.json.meta.last_page) return ids;
  }
}

/** Both read paths of the finder, page by page, must return the same ids. */
async function expectPathsAgree(tenantId: number, conversationId: number, total: number, perPage: number): Promise<void> {
  const finder = new MessageFinder(h.deps.db);
  for (let offset = 0; offset < total + perPage; offset += perPage) {
    const byArrival = await finder.page(tenantId, { id: conversationId, total, arrivalOrdered: true }, perPage, offset);
    const byOffset = await finder.page(tenantId, { id: conversationId, total, arrivalOrdered: false }, perPage, offset);
    expect(
      byArrival.map((row) => row.id),
      `offset ${offset}`,
    ).toEqual(byOffset.map((row) => row.id));
  }
}

describe('message pages by arrival number', () => {
  it('numbers seeded and sent messages 1..n and pages them exactly as created_at DESC, id DESC', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const conversation = await conversationOn(h, seed, 'telegram');
    for (let i = 0; i < 23; i++) {
      await sentMessageId(h, seed.access_token, conversation.id, `message ${i}`);
      if (i % 5 === 0) h.clock.advance(1); // several messages share a second (created_at has no fractions)
    }
    const after = await state(seed.tenant_id, conversation.id);
    expect(after.ordered).toBe(true);
    expect(after.seqs).toEqual(Array.from({ length: after.total }, (_, i) => i + 1));
    const expected = await listOrder(seed.tenant_id, conversation.id);
    expect(expected).toHaveLength(after.total);
    for (const perPage of [1, 4, 7, 15]) expect(await listedIds(seed, conversation.id, perPage)).toEqual(expected);
    await expectPathsAgree(seed.tenant_id, conversation.id, after.total, 4);
    const beyond = await listMessages(h, seed.access_token, conversation.id, '?page=99');
    expect(beyond.status).toBe(200);
    expect(beyond.json.data).toEqual([]);
    expect(beyond.json.meta.total).toBe(after.total);
  });

  it('a send older than a message already there, an unnumbered insert, a moved or deleted row: back to OFFSET, still exact', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const cases: Array<[string, (conversationId: number) => Promise<void>]> = [
      [
        'clock behind the newest message',
        async (id) => {
          h.clock.advance(3600);
          await sentMessageId(h, seed.access_token, id, 'from the future');
          h.clock.advance(-3600); // the token's nbf stays behind the clock
          await sentMessageId(h, seed.access_token, id, 'older than the newest');
          h.clock.advance(3601);
        },
      ],
      ['inbound row without a number', async (id) => void (await insertMessage(h, seed.tenant_id, id))],
      [
        'created_at changed',
        async (id) => {
          await sql(
            h,
            "UPDATE messages SET created_at = created_at - interval '1 day' WHERE tenant_id = $1 AND id = (SELECT max(id) FROM messages WHERE tenant_id = $1 AND conversation_id = $2)",
            [seed.tenant_id, id],
          );
        },
      ],
      [
        'row deleted',
        async (id) => {
          await sql(h, 'UPDATE conversations SET last_message_id = NULL WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
          await sql(h, 'DELETE FROM messages WHERE tenant_id = $1 AND id = (SELECT min(id) FROM messages WHERE tenant_id = $1 AND conversation_id = $2)', [
            seed.tenant_id,
            id,
          ]);
          await sql(h, 'UPDATE conversations SET message_count = message_count - 1 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
        },
      ],
    ];
    const conversations = await sql(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 4', [seed.tenant_id]);
    for (const [index, [what, breakOrder]] of cases.entries()) {
      const id = Number(conversations[index]!.id);
      for (let i = 0; i < 5; i++) await sentMessageId(h, seed.access_token, id, `before ${i}`);
      expect((await state(seed.tenant_id, id)).ordered, what).toBe(true);
      await breakOrder(id);
      await sentMessageId(h, seed.access_token, id, 'after');
      const after = await state(seed.tenant_id, id);
      expect(after.ordered, what).toBe(false);
      expect(await listedIds(seed, id, 3), what).toEqual(await listOrder(seed.tenant_id, id));

      // Numbering the conversation again in list order brings the range reads back, with the same pages.
      await h.deps.db.transaction((tx) => numberMessagesInListOrder(tx, seed.tenant_id, id));
      const renumbered = await state(seed.tenant_id, id);
      expect(renumbered.ordered, what).toBe(true);
      expect(renumbered.seqs, what).toEqual(Array.from({ length: renumbered.total }, (_, i) => i + 1));
      expect(await listedIds(seed, id, 3), what).toEqual(await listOrder(seed.tenant_id, id));
      await expectPathsAgree(seed.tenant_id, id, renumbered.total, 3);
    }
  });

  it('conversations that existed before the migration, or were created through the API, start on the right path', async () => {
    const seed = await h.seedTenant({ conversations: 0, customers: 1 });
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/conversations',
      token: seed.access_token,
      body: { channel_id: seed.channels.telegram, address: '5100999000' },
    });
    expect(created.status, created.body).toBe(201);
    const id = Number(created.json.data.id);
    expect(await state(seed.tenant_id, id)).toEqual({ total: 0, ordered: true, seqs: [] });
    await sentMessageId(h, seed.access_token, id, 'first');
    expect(await state(seed.tenant_id, id)).toMatchObject({ total: 1, ordered: true, seqs: [1] });
  });

  it('concurrent sends to one conversation get distinct, gapless numbers', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const conversation = await conversationOn(h, seed, 'whatsapp');
    const before = await state(seed.tenant_id, conversation.id);
    await Promise.all(Array.from({ length: 20 }, (_, i) => sentMessageId(h, seed.access_token, conversation.id, `parallel ${i}`)));
    const after = await state(seed.tenant_id, conversation.id);
    expect(after.total).toBe(before.total + 20);
    expect(after.ordered).toBe(true);
    expect(after.seqs).toEqual(Array.from({ length: after.total }, (_, i) => i + 1));
    expect(await listedIds(seed, conversation.id, 6)).toEqual(await listOrder(seed.tenant_id, conversation.id));
  });
});
