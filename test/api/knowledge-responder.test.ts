/**
 * The embedded knowledge-base responder (docs/agent.md#the-embedded-responder) over real articles written through
 * the API: the spec's worked example, greetings, the "good enough" threshold, sentence selection and the cap,
 * drafts and deleted articles, the knowledge language, and the embedded spam and abuse rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { insertMessage, sql } from '../support/factories.js';
import { answerFromKnowledge, GREETING_REPLY, type ResponderInput } from '../../src/modules/agent/knowledge-responder.js';
import { anyLexemeQuery, rankArticles, textLexemes } from '../../src/modules/knowledge/knowledge-search.finder.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const SHOES = {
  title: 'Returning shoes and refunds',
  body:
    'Unworn shoes can be returned within 30 days of purchase for a full refund. Bring the original receipt to any Zebrafoot store. ' +
    'The refund goes back to your original payment method within 5 business days.',
};
const HOURS = { title: 'Opening hours', body: 'Our stores open at 9.30 on weekdays and at 11.00 on Sundays.\nThey close at 20.00.' };

async function article(seed: SeedResult, body: Record<string, unknown>): Promise<number> {
  const response = await h.request({ method: 'POST', url: '/api/v1/knowledge-articles', token: seed.access_token, tenant: seed.tenant_id, body });
  expect(response.status, response.body).toBe(201);
  return response.json.data.id;
}

async function customerOf(seed: SeedResult): Promise<{ conversationId: number; channelId: number; customerId: number }> {
  const [row] = await sql(h, 'SELECT id, channel_id, customer_id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 1', [seed.tenant_id]);
  return { conversationId: Number(row!.id), channelId: Number(row!.channel_id), customerId: Number(row!.customer_id) };
}

async function ask(seed: SeedResult, ...texts: (string | null)[]) {
  const { channelId, customerId } = await customerOf(seed);
  const input: ResponderInput = { tenantId: seed.tenant_id, channelId, customerId, triggers: texts.map((text) => ({ text })) };
  return answerFromKnowledge(h.deps.db, h.clock, input);
}

describe('the embedded knowledge-base responder', () => {
  it('answers the worked example with the sentences that contain a query lexeme, verbatim and in order', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    await article(seed, HOURS);
    const shoes = await article(seed, SHOES);
    expect(await textLexemes(h.deps.db, 'english', 'Can I return shoes for a refund?')).toEqual(['refund', 'return', 'shoe']);
    expect(await ask(seed, 'Can I return shoes for a refund?')).toEqual({
      kind: 'reply',
      text: 'Unworn shoes can be returned within 30 days of purchase for a full refund. The refund goes back to your original payment method within 5 business days.',
      spam: false,
      abusive: false,
      rule: null,
      reason: 'Answered from the knowledge article "Returning shoes and refunds".',
      articleId: shoes,
    });
    // The triggers are joined: the two halves of a question find the same article.
    expect((await ask(seed, 'I want to return shoes', 'for a refund?')).articleId).toBe(shoes);
    // 9.30 stays in its sentence; a line break ends one.
    expect((await ask(seed, 'When do your stores open on Sundays?')).text).toBe('Our stores open at 9.30 on weekdays and at 11.00 on Sundays.');
  });

  it('greets back short greetings only', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    for (const text of ['Hello!', 'hi hi', 'Good morning!', 'Merhaba']) {
      expect(await ask(seed, text)).toMatchObject({ kind: 'reply', text: GREETING_REPLY, articleId: null });
    }
    expect(await ask(seed, 'hello there')).toMatchObject({ kind: 'handoff', text: null });
  });

  it('hands off without text, without lexemes, without a match, or when the best match has less than half the lexemes', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    await article(seed, SHOES);
    expect(await ask(seed, null)).toMatchObject({ kind: 'handoff', reason: 'The message has no text to answer.' });
    expect(await ask(seed, 'Can I do it?')).toMatchObject({ kind: 'handoff', reason: 'The message has no words to search the knowledge base with.' });
    expect(await ask(seed, 'Do you sell umbrellas?')).toMatchObject({ kind: 'handoff', reason: 'No knowledge article answers the message well enough.' });
    // refund (1 of 4 lexemes: refund, umbrella, sunglass, hat) is not enough; 2 of 4 is.
    expect((await ask(seed, 'refund umbrellas sunglasses hats')).kind).toBe('handoff');
    expect((await ask(seed, 'refund shoes sunglasses hats')).kind).toBe('reply');
  });

  it('uses only published, live articles of the tenant, and the best-ranked one', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const other = await h.seedTenant({ conversations: 1 });
    await article(other, SHOES);
    const draft = await article(seed, { ...SHOES, is_published: false });
    expect((await ask(seed, 'Can I return shoes for a refund?')).kind).toBe('handoff');
    const live = await article(seed, SHOES);
    const weaker = await article(seed, { title: 'Gift cards', body: 'Gift cards cannot be returned for a refund.' });
    expect((await ask(seed, 'Can I return shoes for a refund?')).articleId).toBe(live);
    const ranked = await rankArticles(h.deps.db, seed.tenant_id, { text: 'Can I return shoes for a refund?', lexemes: ['refund', 'return', 'shoe'], limit: 5 });
    expect(ranked.map((row) => row.id)).toEqual([live, weaker]);
    expect(ranked.map((row) => row.matched)).toEqual([3, 2]);
    expect(ranked.map((row) => row.id)).not.toContain(draft);
    await h.request({ method: 'DELETE', url: `/api/v1/knowledge-articles/${live}`, token: seed.access_token, tenant: seed.tenant_id });
    expect((await ask(seed, 'Can I return shoes for a refund?')).articleId).toBe(weaker);
  });

  it('ranks exactly as scoring every candidate would (the 0.3 bar only skips articles that cannot reach the top)', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const words = ['shoe', 'refund', 'return', 'lace', 'sole', 'heel', 'store'];
    for (let n = 0; n < 30; n++) {
      const pick = (k: number) => words[(n * 7 + k * 3) % words.length]!;
      const body = Array.from({ length: 1 + (n % 4) }, (_, k) => `The ${pick(k)} and the ${pick(k + n)} are here.`).join(' ');
      await article(seed, { title: `${pick(n)} ${n % 3 === 0 ? 'returns' : 'help'} ${n}`, body });
    }
    const text = 'Can I return a shoe with a broken heel to the store?';
    const lexemes = await textLexemes(h.deps.db, 'english', text);
    const everyone = await sql(
      h,
      `SELECT id FROM knowledge_articles WHERE tenant_id = $1 AND is_published AND deleted_at IS NULL AND search_vector @@ $2::tsquery
        ORDER BY ts_rank_cd(search_vector, $2::tsquery) + 0.3 * similarity(title, $3) DESC, id DESC`,
      [seed.tenant_id, anyLexemeQuery(lexemes), text],
    );
    expect(everyone.length).toBeGreaterThan(10);
    for (const limit of [1, 3, 5, 50]) {
      const ranked = await rankArticles(h.deps.db, seed.tenant_id, { text, lexemes, limit });
      expect(ranked.map((row) => row.id)).toEqual(everyone.slice(0, limit).map((row) => Number(row.id)));
    }
  });

  it('answers with the first sentences when no sentence holds a query lexeme, and caps a reply at 700 code points', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    // The title matches, no body sentence does.
    const policy = await article(seed, { title: 'Warranty policy', body: 'Two years on every pair. Keep the box.' });
    expect(await ask(seed, 'warranty')).toMatchObject({ kind: 'reply', text: 'Two years on every pair. Keep the box.', articleId: policy });
    const sentence = (n: number) => `Laces number ${n} are sold in every colour of the rainbow and then some more, always.`;
    const long = Array.from({ length: 12 }, (_, n) => sentence(n)).join(' ');
    await article(seed, { title: 'Laces', body: long });
    const reply = (await ask(seed, 'laces')).text!;
    expect([...reply].length).toBeLessThanOrEqual(700);
    expect(reply.endsWith('always.')).toBe(true);
    expect(long.startsWith(reply)).toBe(true);
    expect([...`${reply} ${sentence(99)}`].length).toBeGreaterThan(700);
  });

  it('searches in the tenant’s knowledge language', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    await h.request({
      method: 'PUT',
      url: '/api/v1/tenant-settings',
      token: seed.access_token,
      tenant: seed.tenant_id,
      body: { agent: { knowledge_language: 'turkish' } },
    });
    const iade = await article(seed, { title: 'Ayakkabı iadesi', body: 'Giyilmemiş ayakkabılar 30 gün içinde iade edilebilir. Fişinizi getirin.' });
    expect(await ask(seed, 'Ayakkabılarımı iade edebilir miyim?')).toMatchObject({
      kind: 'reply',
      text: 'Giyilmemiş ayakkabılar 30 gün içinde iade edilebilir.',
      articleId: iade,
    });
  });

  it('quotes odd lexemes safely in the query', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const lexemes = await textLexemes(h.deps.db, 'simple', "o'neil C:\\temp\\x it''s \\' www.a.example/b'c");
    expect(lexemes.length).toBeGreaterThan(0);
    const [row] = await sql(h, 'SELECT $1::tsquery AS q', [anyLexemeQuery(lexemes)]);
    expect(row!.q).toBeTypeOf('string');
    await article(seed, { title: "O'Neil C:\\temp", body: "Paths like C:\\temp and names like O'Neil." });
    await expect(rankArticles(h.deps.db, seed.tenant_id, { text: "o'neil", lexemes, limit: 1 })).resolves.toBeDefined();
  });
});

describe('the embedded spam and abuse rules', () => {
  it('flags insults as abusive before anything else, even next to a question it could answer', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    await article(seed, SHOES);
    expect(await ask(seed, 'Can I return shoes for a refund?', 'you IDIOTS https://a.example https://b.example www.c.example')).toEqual({
      kind: 'handoff',
      text: null,
      spam: false,
      abusive: true,
      rule: 'abusive_language',
      reason: 'Insulting language.',
      articleId: null,
    });
    expect(await ask(seed, 'Seni şerefsiz!')).toMatchObject({ abusive: true, rule: 'abusive_language' });
  });

  it('flags three links in one message as spam, not three links over two messages', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    expect(await ask(seed, 'Deals at https://a.example, http://b.example and www.c.example')).toMatchObject({
      kind: 'handoff',
      spam: true,
      abusive: false,
      rule: 'links',
      reason: 'Three or more links.',
    });
    expect(await ask(seed, 'see https://a.example and www.b.example', 'and http://c.example')).toMatchObject({ spam: false, rule: null });
  });

  it('flags the same text five times within 10 minutes from the customer on the channel', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const { conversationId } = await customerOf(seed);
    const spam = 'Buy cheap followers now';
    const start = h.clock.now();
    const at = (minutesAgo: number) => new Date(start.getTime() - minutesAgo * 60_000);
    // Eleven minutes ago is outside the window; an outbound copy and another text do not count.
    await insertMessage(h, seed.tenant_id, conversationId, { text: spam, at: at(11) });
    await insertMessage(h, seed.tenant_id, conversationId, { text: spam, isCustomer: false, at: at(5) });
    await insertMessage(h, seed.tenant_id, conversationId, { text: 'Something else entirely', at: at(4) });
    for (const minutesAgo of [9, 6, 3]) await insertMessage(h, seed.tenant_id, conversationId, { text: `  BUY cheap\nfollowers   now `, at: at(minutesAgo) });
    await insertMessage(h, seed.tenant_id, conversationId, { text: spam, at: start });
    expect((await ask(seed, spam)).rule).toBeNull();
    await insertMessage(h, seed.tenant_id, conversationId, { text: spam, at: start });
    expect(await ask(seed, spam)).toMatchObject({
      kind: 'handoff',
      spam: true,
      abusive: false,
      rule: 'repeated_text',
      reason: 'The same message five times within 10 minutes.',
    });
    // Short texts never count, however often they come.
    for (let n = 0; n < 6; n++) await insertMessage(h, seed.tenant_id, conversationId, { text: 'hi there!', at: start });
    expect((await ask(seed, 'hi there!')).rule).toBeNull();
    // Ten minutes later the older copies have left the window.
    h.clock.advance(10 * 60_000);
    expect((await ask(seed, spam)).rule).toBeNull();
  });
});
