/**
 * /api/v1/knowledge-articles (docs/agent.md#knowledge-articles): the resource and its messages, validation, the list's
 * search, filter and order, soft delete, permissions and scopes, and the stored search vector kept in the tenant's
 * knowledge language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { applicationToken, memberAs, sql } from '../support/factories.js';
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

function call(seed: SeedResult, method: string, url: string, body?: unknown, token = seed.access_token) {
  return h.request({ method, url, token, tenant: seed.tenant_id, ...(body === undefined ? {} : { body }) });
}

async function create(seed: SeedResult, body: Record<string, unknown>): Promise<any> {
  const response = await call(seed, 'POST', '/api/v1/knowledge-articles', body);
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

async function lexemes(seed: SeedResult, id: number): Promise<{ language: string; lexemes: string[] }> {
  const [row] = await sql(h, 'SELECT language, tsvector_to_array(search_vector) AS lexemes FROM knowledge_articles WHERE tenant_id = $1 AND id = $2', [
    seed.tenant_id,
    id,
  ]);
  return { language: row!.language, lexemes: row!.lexemes };
}

describe('knowledge articles', () => {
  it('creates, reads, updates and deletes an article with the documented envelopes', async () => {
    const seed = await h.seedTenant();
    const now = h.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const created = await call(seed, 'POST', '/api/v1/knowledge-articles', SHOES);
    expect(created.status, created.body).toBe(201);
    const id = created.json.data.id;
    expect(Number.isInteger(id)).toBe(true);
    const article = { id, title: SHOES.title, body: SHOES.body, is_published: true, created_at: now, updated_at: now };
    expectExactJson(created.json, { success: 'Knowledge article created successfully.', data: article });

    const read = await call(seed, 'GET', `/api/v1/knowledge-articles/${id}`);
    expectExactJson(read.json, { success: 'Knowledge article retrieved successfully.', data: article });

    h.clock.advance(60_000);
    const later = h.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const updated = await call(seed, 'PUT', `/api/v1/knowledge-articles/${id}`, { is_published: false });
    expect(updated.status, updated.body).toBe(200);
    expectExactJson(updated.json, { success: 'Knowledge article updated successfully.', data: { ...article, is_published: false, updated_at: later } });

    const deleted = await call(seed, 'DELETE', `/api/v1/knowledge-articles/${id}`);
    expectExactJson(deleted.json, {
      success: 'Knowledge article deleted successfully.',
      data: { message: 'Knowledge article deleted successfully.' },
    });
    expectError(await call(seed, 'GET', `/api/v1/knowledge-articles/${id}`), 404, 'not_found', 'Knowledge article not found.');
    expectError(await call(seed, 'PUT', `/api/v1/knowledge-articles/${id}`, { title: 'Again' }), 404, 'not_found', 'Knowledge article not found.');
    expectError(await call(seed, 'DELETE', `/api/v1/knowledge-articles/${id}`), 404, 'not_found', 'Knowledge article not found.');
    expect((await call(seed, 'GET', '/api/v1/knowledge-articles')).json.meta.total).toBe(0);
  });

  it('validates the body with the documented messages', async () => {
    const seed = await h.seedTenant();
    expectValidationError(await call(seed, 'POST', '/api/v1/knowledge-articles', {}), {
      title: ['The title field is required.'],
      body: ['The body field is required.'],
    });
    expectValidationError(await call(seed, 'POST', '/api/v1/knowledge-articles', { title: 'x'.repeat(256), body: 'y'.repeat(20_001), is_published: 'maybe' }), {
      title: ['The title field must not be greater than 255 characters.'],
      body: ['The body field must not be greater than 20000 characters.'],
      is_published: ['The is published field must be true or false.'],
    });
    expectValidationError(await call(seed, 'POST', '/api/v1/knowledge-articles', { title: 7, body: '   ' }), {
      title: ['The title field must be a string.'],
      body: ['The body field is required.'],
    });
    const article = await create(seed, { title: 'x'.repeat(255), body: 'y'.repeat(20_000), is_published: false });
    expect(article.is_published).toBe(false);
    expectValidationError(await call(seed, 'PUT', `/api/v1/knowledge-articles/${article.id}`, { title: null }), {
      title: ['The title field is required.'],
    });
    expect((await call(seed, 'GET', `/api/v1/knowledge-articles/${article.id}`)).json.data.title).toBe('x'.repeat(255));
  });

  it('lists newest first, searches title or body as a case-insensitive substring, and filters on is_published', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    await create(other, { title: 'Opening hours', body: 'Someone else’s shop.' });
    const shoes = await create(seed, SHOES);
    const hours = await create(seed, { title: 'Opening hours', body: 'We open at 9.30 on weekdays. 100%_sure\\' });
    const draft = await create(seed, { title: 'Gift cards (draft)', body: 'Coming soon.', is_published: false });

    const all = await call(seed, 'GET', '/api/v1/knowledge-articles');
    expectPaginatorShape(all.json);
    expect(all.json.data.map((a: any) => a.id)).toEqual([draft.id, hours.id, shoes.id]);
    expect(all.json.meta.total).toBe(3);

    const ids = async (query: string) => (await call(seed, 'GET', `/api/v1/knowledge-articles?${query}`)).json.data.map((a: any) => a.id);
    expect(await ids('search=OPENING')).toEqual([hours.id]);
    expect(await ids('search=zebrafoot')).toEqual([shoes.id]);
    expect(await ids(`search=${encodeURIComponent('100%_sure\\')}`)).toEqual([hours.id]);
    expect(await ids('search=%25')).toEqual([hours.id]);
    // Title and body are searched apart: a match may not span the two.
    expect(await ids(`search=${encodeURIComponent('hours We open')}`)).toEqual([]);
    expect(await ids('is_published=0')).toEqual([draft.id]);
    expect(await ids('is_published=true&search=o')).toEqual([hours.id, shoes.id]);
    expect(await ids('per_page=1&page=2')).toEqual([hours.id]);
    expectValidationError(await call(seed, 'GET', `/api/v1/knowledge-articles?search=${'a'.repeat(256)}&is_published=maybe`), {
      search: ['The search field must not be greater than 255 characters.'],
      is_published: ['The is published field must be true or false.'],
    });
  });

  it('answers 404 for another tenant’s article and for ids that are not ids', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const theirs = await create(other, SHOES);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      expectError(await call(seed, method, `/api/v1/knowledge-articles/${theirs.id}`, method === 'PUT' ? { title: 'Mine' } : undefined), 404, 'not_found');
    }
    expectError(await call(seed, 'GET', '/api/v1/knowledge-articles/abc'), 404, 'not_found');
    expect((await call(other, 'GET', `/api/v1/knowledge-articles/${theirs.id}`)).json.data.title).toBe(SHOES.title);
  });

  it('lets Viewers and Agents read, only Owners and Admins write, and checks the scopes', async () => {
    const seed = await h.seedTenant();
    const article = await create(seed, SHOES);
    const viewer = await memberAs(h, seed, 'Vera Viewer', 'Viewer');
    const admin = await memberAs(h, seed, 'Ada Admin', 'Admin');
    expect((await call(seed, 'GET', `/api/v1/knowledge-articles/${article.id}`, undefined, viewer.token)).status).toBe(200);
    expectError(await call(seed, 'POST', '/api/v1/knowledge-articles', SHOES, viewer.token), 403, 'forbidden');
    expect((await call(seed, 'PUT', `/api/v1/knowledge-articles/${article.id}`, { title: 'Returns' }, admin.token)).status).toBe(200);

    const reader = await applicationToken(h, seed, ['conversations:read']);
    expect((await call(seed, 'GET', '/api/v1/knowledge-articles', undefined, reader)).status).toBe(200);
    expectError(await call(seed, 'POST', '/api/v1/knowledge-articles', SHOES, reader), 403, 'insufficient_scope');
    const writer = await applicationToken(h, seed, ['channels:write']);
    expect((await call(seed, 'GET', '/api/v1/knowledge-articles', undefined, writer)).status).toBe(200);
    expect((await call(seed, 'POST', '/api/v1/knowledge-articles', SHOES, writer)).status).toBe(201);
  });

  it('indexes title and body in the tenant’s knowledge language, and re-indexes when the setting changes', async () => {
    const seed = await h.seedTenant();
    const article = await create(seed, SHOES);
    const english = await lexemes(seed, article.id);
    expect(english.language).toBe('english');
    expect(english.lexemes).toEqual(expect.arrayContaining(['return', 'shoe', 'refund', 'zebrafoot']));
    expect(english.lexemes).not.toContain('the');
    const [weights] = await sql(h, `SELECT search_vector::text AS v FROM knowledge_articles WHERE tenant_id = $1 AND id = $2`, [seed.tenant_id, article.id]);
    expect(weights!.v).toMatch(/'return':1A/);
    expect(weights!.v).toMatch(/'receipt':\d+(?!A)/);

    const deleted = await create(seed, { title: 'Old', body: 'Gone articles are not indexed again.' });
    await call(seed, 'DELETE', `/api/v1/knowledge-articles/${deleted.id}`);
    const changed = await call(seed, 'PUT', '/api/v1/tenant-settings', { agent: { knowledge_language: 'simple' } });
    expect(changed.status, changed.body).toBe(200);
    const simple = await lexemes(seed, article.id);
    expect(simple.language).toBe('simple');
    expect(simple.lexemes).toEqual(expect.arrayContaining(['returning', 'shoes', 'the']));
    expect((await lexemes(seed, deleted.id)).language).toBe('english');

    // A new article and an edited one follow the current language.
    const next = await create(seed, { title: 'Delivery', body: 'Shipping takes three days.' });
    expect((await lexemes(seed, next.id)).lexemes).toContain('shipping');
    await call(seed, 'PUT', `/api/v1/knowledge-articles/${article.id}`, { body: 'Refunds are processed daily.' });
    expect((await lexemes(seed, article.id)).lexemes).toEqual(expect.arrayContaining(['refunds', 'processed', 'returning']));
    expect((await lexemes(seed, article.id)).lexemes).not.toContain('zebrafoot');

    // An unknown configuration is refused and re-indexes nothing.
    expectValidationError(await call(seed, 'PUT', '/api/v1/tenant-settings', { agent: { knowledge_language: 'klingon' } }), {
      'agent.knowledge_language': ['The selected agent.knowledge language is invalid.'],
    });
    expect((await lexemes(seed, article.id)).language).toBe('simple');
  });
});
