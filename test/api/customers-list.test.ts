/**
 * GET /customers: paginator, sorting, search and filters (docs/input.md#lists-sorting-and-search, docs/domain-rules.md#customers; docs/pagination.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { sql } from '../support/factories.js';
import { CUSTOMER_KEYS, deleteCustomer, emptyTenant, listCustomers, listedIds, newCustomer, putCustomer } from '../support/customers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const BASE = 'http://127.0.0.1:8080/api/v1/customers';

/** Creates customers one second apart (so created_at orders them) and returns their ids in creation order. */
async function customers(seed: SeedResult, bodies: Array<Record<string, unknown>>): Promise<number[]> {
  const ids: number[] = [];
  for (const body of bodies) {
    h.clock.advance(1);
    ids.push((await newCustomer(h, seed, body)).id);
  }
  return ids;
}

describe('paginator and default order', () => {
  it('answers the documented example byte for byte: search=zed sorted by first name, page 2 of 2', async () => {
    const seed = await emptyTenant(h);
    const [ceyda] = await customers(seed, [
      { first_name: 'Ceyda', last_name: 'Zed' },
      { first_name: 'Ayla', last_name: 'Zedan' },
      { first_name: 'Bora', email: 'bora@zed.test' },
      { first_name: 'Aaron', last_name: 'Other' },
    ]);
    const query = 'search=zed&sort_by=first_name&sort_order=asc&per_page=2';
    const response = await listCustomers(h, seed, `?${query}&page=2`);
    expect(response.status, response.body).toBe(200);
    expectPaginatorShape(response.json);
    const item = response.json.data[0];
    expect(Object.keys(item)).toEqual(CUSTOMER_KEYS);
    const url = (page: number) => `${BASE}?${query}&page=${page}`;
    expectExactJson(response.json, {
      data: [{ ...item, id: ceyda, first_name: 'Ceyda', last_name: 'Zed' }],
      links: { first: url(1), last: url(2), prev: url(1), next: null },
      meta: {
        current_page: 2,
        from: 3,
        last_page: 2,
        links: [
          { url: url(1), label: '&laquo; Previous', active: false },
          { url: url(1), label: '1', active: false },
          { url: url(2), label: '2', active: true },
          { url: null, label: 'Next &raquo;', active: false },
        ],
        path: BASE,
        per_page: 2,
        to: 3,
        total: 3,
      },
    });
  });

  it('lists newest first by default, ties by id descending; only live customers of the tenant', async () => {
    const seed = await emptyTenant(h);
    const other = await emptyTenant(h);
    const [first, second] = await customers(seed, [{ first_name: 'One' }, { first_name: 'Two' }]);
    await newCustomer(h, other, { first_name: 'Elsewhere' });
    // Same created_at: the higher id first.
    const sameSecondA = (await newCustomer(h, seed, { first_name: 'Three' })).id;
    const sameSecondB = (await newCustomer(h, seed, { first_name: 'Four' })).id;
    const gone = (await newCustomer(h, seed, { first_name: 'Gone' })).id;
    await deleteCustomer(h, seed, gone);
    expect(await listedIds(h, seed)).toEqual([sameSecondB, sameSecondA, second, first]);
    expect((await listCustomers(h, seed)).json.meta).toMatchObject({ total: 4, per_page: 15, current_page: 1 });
    // sort_order alone orders by creation time in that direction.
    expect(await listedIds(h, seed, '?sort_order=asc')).toEqual([first, second, sameSecondA, sameSecondB]);
    expect(await listedIds(h, seed, '?sort_order=desc')).toEqual([sameSecondB, sameSecondA, second, first]);
  });

  it('an empty tenant has an empty page', async () => {
    const seed = await emptyTenant(h);
    const response = await listCustomers(h, seed);
    expect(response.json.data).toEqual([]);
    expect(response.json.meta).toMatchObject({ total: 0, from: null, to: null, last_page: 1 });
  });
});

describe('sorting (docs/input.md#lists-sorting-and-search)', () => {
  it('compares text case-insensitively in code-point order, nulls last both ways, ties by id in the same direction', async () => {
    const seed = await emptyTenant(h);
    const [bob, alice, emile, aliceLower, zed, noLast] = await customers(seed, [
      { first_name: 'bob', last_name: 'b' },
      { first_name: 'Alice', last_name: 'A' },
      { first_name: 'Émile', last_name: 'é' },
      { first_name: 'alice', last_name: 'a' },
      { first_name: 'Zed', last_name: 'Z' },
      { first_name: 'Nolast' },
    ]);
    expect(await listedIds(h, seed, '?sort_by=first_name')).toEqual([alice, aliceLower, bob, noLast, zed, emile]);
    expect(await listedIds(h, seed, '?sort_by=first_name&sort_order=desc')).toEqual([emile, zed, noLast, bob, aliceLower, alice]);
    expect(await listedIds(h, seed, '?sort_by=last_name&sort_order=asc')).toEqual([alice, aliceLower, bob, zed, emile, noLast]);
    expect(await listedIds(h, seed, '?sort_by=last_name&sort_order=desc')).toEqual([emile, zed, bob, aliceLower, alice, noLast]);
  });

  it('sorts dates and gender with nulls last in both directions; updated_at follows updates', async () => {
    const seed = await emptyTenant(h);
    const [old, none, young, middle] = await customers(seed, [
      { date_of_birth: '1950-01-01', gender: 'other' },
      {},
      { date_of_birth: '2010-07-01', gender: 'female' },
      { date_of_birth: '1980-03-03', gender: 'male' },
    ]);
    expect(await listedIds(h, seed, '?sort_by=date_of_birth')).toEqual([old, middle, young, none]);
    expect(await listedIds(h, seed, '?sort_by=date_of_birth&sort_order=desc')).toEqual([young, middle, old, none]);
    expect(await listedIds(h, seed, '?sort_by=gender')).toEqual([young, middle, old, none]);
    expect(await listedIds(h, seed, '?sort_by=gender&sort_order=desc')).toEqual([old, middle, young, none]);
    expect(await listedIds(h, seed, '?sort_by=created_at')).toEqual([old, none, young, middle]);
    h.clock.advance(10);
    await putCustomer(h, seed, old!, { job: 'Retired' });
    expect(await listedIds(h, seed, '?sort_by=updated_at&sort_order=desc')).toEqual([old, middle, young, none]);
    expect(await listedIds(h, seed, '?sort_by=updated_at')).toEqual([none, young, middle, old]);
  });

  it('pages of equal sort keys never overlap or skip rows', async () => {
    const seed = await emptyTenant(h);
    const ids: number[] = [];
    for (let index = 0; index < 7; index++) ids.push((await newCustomer(h, seed, { first_name: index % 2 ? 'Same' : 'same' })).id);
    for (const order of ['asc', 'desc']) {
      const paged: number[] = [];
      for (let page = 1; page <= 4; page++) {
        const response = await listCustomers(h, seed, `?sort_by=first_name&sort_order=${order}&per_page=2&page=${page}`);
        paged.push(...response.json.data.map((customer: { id: number }) => customer.id));
      }
      expect(paged).toEqual(order === 'asc' ? [...ids].sort((a, b) => a - b) : [...ids].sort((a, b) => b - a));
    }
  });
});

describe('search (docs/input.md#lists-sorting-and-search, docs/domain-rules.md#customers)', () => {
  it('matches names, "first last", email and identity number, case-insensitively; % and _ are literal', async () => {
    const seed = await emptyTenant(h);
    const other = await emptyTenant(h);
    const [ceyda, ada, percent, underscore] = await customers(seed, [
      { first_name: 'Ceyda', last_name: 'Zed', email: 'ceyda@Example.test', identity_number: 'TR-12345678901' },
      { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@math.test' },
      { first_name: 'Sale', last_name: '100%' },
      { first_name: 'snake_case' },
    ]);
    await newCustomer(h, other, { first_name: 'Ceyda', last_name: 'Zed' });
    const search = (term: string) => listedIds(h, seed, `?search=${encodeURIComponent(term)}`);
    expect(await search('CEYDA')).toEqual([ceyda]);
    expect(await search('lovel')).toEqual([ada]);
    expect(await search('ceyda zed')).toEqual([ceyda]);
    expect(await search('EXAMPLE.TEST')).toEqual([ceyda]);
    expect(await search('tr-1234')).toEqual([ceyda]);
    expect(await search('%')).toEqual([percent]);
    expect(await search('_')).toEqual([underscore]);
    expect(await search('e_c')).toEqual([underscore]);
    expect(await search('zzz')).toEqual([]);
    // "?search=" means no search; an unknown parameter is ignored but kept in the links.
    expect((await search('')).length).toBe(4);
    const response = await listCustomers(h, seed, '?search=ada&foo=bar');
    expect(response.json.data.map((customer: { id: number }) => customer.id)).toEqual([ada]);
    expect(response.json.links.first).toBe(`${BASE}?search=ada&foo=bar&page=1`);
  });

  it('finds a phone number in any common format', async () => {
    const seed = await emptyTenant(h);
    const [ceyda] = await customers(seed, [{ phone_number: '+905551112233' }, { phone_number: '+442071234567' }, { phone_number: '12-34' }]);
    for (const term of ['+90 555 111 22 33', '0090 5551112233', '0555-111-2233', '(555) 111 22 33', '5551112233', '555.111', '+905551112233', '111 22']) {
      expect(await listedIds(h, seed, `?search=${encodeURIComponent(term)}`), term).toEqual([ceyda]);
    }
    // Fewer than 3 digits, or letters among them: the plain substring match only.
    expect(await listedIds(h, seed, '?search=5%205')).toEqual([]);
    expect(await listedIds(h, seed, '?search=555x111')).toEqual([]);
  });

  it('combines search, gender and ages with AND', async () => {
    h.clock.set('2026-06-15T12:00:00Z');
    const seed = await emptyTenant(h);
    const [match] = await customers(seed, [
      { first_name: 'Deniz', gender: 'female', date_of_birth: '1990-01-01' },
      { first_name: 'Deniz', gender: 'male', date_of_birth: '1990-01-01' },
      { first_name: 'Deniz', gender: 'female', date_of_birth: '2010-01-01' },
      { first_name: 'Ece', gender: 'female', date_of_birth: '1990-01-01' },
    ]);
    expect(await listedIds(h, seed, '?search=deniz&gender=female&min_age=18')).toEqual([match]);
  });
});

describe('filters (docs/domain-rules.md#customers)', () => {
  it('gender is an exact match', async () => {
    const seed = await emptyTenant(h);
    const [female, male, other] = await customers(seed, [{ gender: 'female' }, { gender: 'male' }, { gender: 'other' }, {}]);
    expect(await listedIds(h, seed, '?gender=female')).toEqual([female]);
    expect(await listedIds(h, seed, '?gender=male')).toEqual([male]);
    expect(await listedIds(h, seed, '?gender=other')).toEqual([other]);
  });

  it('ages are full years today in UTC, move with the clock, and leave out customers without a date of birth', async () => {
    h.clock.set('2026-06-15T23:30:00Z');
    const seed = await emptyTenant(h);
    const [thirty, almostThirty, forty, leapling] = await customers(seed, [
      { date_of_birth: '1996-06-15' },
      { date_of_birth: '1996-06-16' },
      { date_of_birth: '1986-06-15' },
      { date_of_birth: '2000-02-29' },
      {},
    ]);
    const ages = (query: string) => listedIds(h, seed, `${query}&sort_by=created_at`);
    expect(await ages('?min_age=30')).toEqual([thirty, forty]);
    expect(await ages('?max_age=29')).toEqual([almostThirty, leapling]);
    expect(await ages('?min_age=30&max_age=30')).toEqual([thirty]);
    expect(await ages('?min_age=0')).toEqual([thirty, almostThirty, forty, leapling]);
    expect(await ages('?max_age=150')).toEqual([thirty, almostThirty, forty, leapling]);
    h.clock.advance(3600); // midnight UTC: 1996-06-16 turns 30
    expect(await ages('?min_age=30&max_age=30')).toEqual([thirty, almostThirty]);
    h.clock.set(new Date());
  });

  it('a 29 February birthday counts from 1 March in other years', async () => {
    h.clock.set('2026-02-28T12:00:00Z');
    const seed = await emptyTenant(h);
    const [leapling] = await customers(seed, [{ date_of_birth: '2000-02-29' }]);
    expect(await listedIds(h, seed, '?min_age=26&max_age=26')).toEqual([]);
    expect(await listedIds(h, seed, '?min_age=25&max_age=25')).toEqual([leapling]);
    h.clock.set('2026-03-01T00:00:00Z');
    expect(await listedIds(h, seed, '?min_age=26&max_age=26')).toEqual([leapling]);
    h.clock.set(new Date());
  });

  it('answers the documented 422s for the query, all fields at once', async () => {
    const seed = await emptyTenant(h);
    const cases: Array<[string, Record<string, string[]>]> = [
      [`search=${'x'.repeat(256)}`, { search: ['The search field must not be greater than 255 characters.'] }],
      ['sort_by=email', { sort_by: ['The selected sort by is invalid.'] }],
      ['sort_by=First_name', { sort_by: ['The selected sort by is invalid.'] }],
      ['sort_order=up', { sort_order: ['The selected sort order is invalid.'] }],
      ['gender=unknown', { gender: ['The selected gender is invalid.'] }],
      ['per_page=0', { per_page: ['The per page field must be at least 1.'] }],
      ['per_page=101', { per_page: ['The per page field must not be greater than 100.'] }],
      ['per_page=abc', { per_page: ['The per page field must be an integer.'] }],
      ['min_age=abc', { min_age: ['The min age field must be an integer.'] }],
      ['min_age=-1', { min_age: ['The min age field must be at least 0.'] }],
      ['min_age=151', { min_age: ['The min age field must not be greater than 150.'] }],
      ['max_age=1.5', { max_age: ['The max age field must be an integer.'] }],
      ['max_age=151', { max_age: ['The max age field must not be greater than 150.'] }],
      ['min_age=30&max_age=20', { max_age: ['The max age field must be greater than or equal to 30.'] }],
      [
        'per_page=0&sort_by=x&sort_order=y&gender=z&min_age=200&max_age=20',
        {
          per_page: ['The per page field must be at least 1.'],
          sort_by: ['The selected sort by is invalid.'],
          sort_order: ['The selected sort order is invalid.'],
          gender: ['The selected gender is invalid.'],
          min_age: ['The min age field must not be greater than 150.'],
        },
      ],
    ];
    for (const [query, errors] of cases) expectValidationError(await listCustomers(h, seed, `?${query}`), errors);
    // gte only compares with a min_age that passed its own rules.
    expect((await listCustomers(h, seed, '?min_age=abc&max_age=20')).json.errors).toEqual({ min_age: ['The min age field must be an integer.'] });
    expect((await listCustomers(h, seed, '?min_age=30&max_age=30')).status).toBe(200);
    expect((await listCustomers(h, seed, `?search=${'é'.repeat(255)}`)).status).toBe(200);
  });
});

describe('stored state', () => {
  it('keeps a digits-only copy of the phone number for the search', async () => {
    const seed = await emptyTenant(h);
    const customer = await newCustomer(h, seed, { phone_number: '+90 555 111 22 33' });
    const [row] = await sql(h, 'SELECT phone_digits FROM customers WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, customer.id]);
    expect(row!.phone_digits).toBe('905551112233');
  });
});
