/**
 * GET /api/v1/conversations over HTTP: the paginator of docs/pagination.md (its worked examples, `page` and
 * `per_page` parsing, query preservation, trailing slash, Host / meta.path). Filters and order: conversations-list-filters.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { allConversations, listConversations } from '../support/requests.js';
import { sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const API = 'http://127.0.0.1:8080/api/v1/conversations';
const link = (url: string | null, label: string, active = false) => ({ url, label, active });
const gap = link(null, '...');
const prevLink = (url: string | null) => link(url, '&laquo; Previous');
const nextLink = (url: string | null) => link(url, 'Next &raquo;');

describe('worked examples of docs/pagination.md on /api/v1/conversations', () => {
  it('empty tenant, Host: localhost', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await listConversations(h, seed, '', { host: 'localhost' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const url = 'http://localhost/api/v1/conversations?page=1';
    expectExactJson(response.json, {
      data: [],
      links: { first: url, last: url, prev: null, next: null },
      meta: {
        current_page: 1,
        from: null,
        last_page: 1,
        links: [prevLink(null), link(url, '1', true), nextLink(null)],
        path: 'http://localhost/api/v1/conversations',
        per_page: 15,
        to: null,
        total: 0,
      },
    });
  });

  it('a page beyond the end (20 rows, page=5)', async () => {
    const seed = await h.seedTenant({ conversations: 20 });
    const response = await listConversations(h, seed, '?page=5', { host: 'localhost' });
    const u = (p: number) => `http://localhost/api/v1/conversations?page=${p}`;
    expectExactJson(response.json, {
      data: [],
      links: { first: u(1), last: u(2), prev: u(4), next: null },
      meta: {
        current_page: 5,
        from: null,
        last_page: 2,
        links: [prevLink(u(4)), link(u(1), '1'), link(u(2), '2'), nextLink(null)],
        path: 'http://localhost/api/v1/conversations',
        per_page: 15,
        to: null,
        total: 20,
      },
    });
  });

  it('no rows, page 3', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await listConversations(h, seed, '?page=3', { host: 'localhost' });
    const u = (p: number) => `http://localhost/api/v1/conversations?page=${p}`;
    expectExactJson(response.json, {
      data: [],
      links: { first: u(1), last: u(1), prev: u(2), next: null },
      meta: {
        current_page: 3,
        from: null,
        last_page: 1,
        links: [prevLink(u(2)), link(u(1), '1'), nextLink(null)],
        path: 'http://localhost/api/v1/conversations',
        per_page: 15,
        to: null,
        total: 0,
      },
    });
  });

  it('query kept, arrays renumbered, +3 page, start slider (157 rows)', async () => {
    const seed = await h.seedTenant({ conversations: 157 });
    const response = await listConversations(h, seed, '?foo=a%20b&bar%5B%5D=x&page=%2B3&bar%5B%5D=y&per_page=10');
    expect(response.status, response.body).toBe(200);
    const u = (p: number) => `${API}?foo=a%20b&bar%5B0%5D=x&bar%5B1%5D=y&per_page=10&page=${p}`;
    const { data, ...rest } = response.json;
    expectExactJson(rest, {
      links: { first: u(1), last: u(16), prev: u(2), next: u(4) },
      meta: {
        current_page: 3,
        from: 21,
        last_page: 16,
        links: [
          prevLink(u(2)),
          ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((p) => link(u(p), String(p), p === 3)),
          gap,
          link(u(15), '15'),
          link(u(16), '16'),
          nextLink(u(4)),
        ],
        path: API,
        per_page: 10,
        to: 30,
        total: 157,
      },
    });
    const all = await allConversations(h, seed);
    expect(all).toHaveLength(157);
    expect(data.map((row: any) => row.id)).toEqual(all.slice(20, 30).map((row) => row.id));
  });

  it('the full slider: search=ada, per_page=1, page=25 of 40 matches', async () => {
    const seed = await h.seedTenant({ conversations: 50 });
    await sql(h, `UPDATE customers SET first_name = 'Bob', last_name = 'Stone' WHERE tenant_id = $1`, [seed.tenant_id]);
    await sql(
      h,
      `UPDATE customers SET first_name = 'Ada' WHERE tenant_id = $1 AND id IN
                  (SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 40)`,
      [seed.tenant_id],
    );
    const response = await listConversations(h, seed, '?page=25&search=ada&per_page=1');
    expect(response.status, response.body).toBe(200);
    const u = (p: number) => `${API}?search=ada&per_page=1&page=${p}`;
    const { data, ...rest } = response.json;
    expectExactJson(rest, {
      links: { first: u(1), last: u(40), prev: u(24), next: u(26) },
      meta: {
        current_page: 25,
        from: 25,
        last_page: 40,
        links: [
          prevLink(u(24)),
          link(u(1), '1'),
          link(u(2), '2'),
          gap,
          ...[22, 23, 24, 25, 26, 27, 28].map((p) => link(u(p), String(p), p === 25)),
          gap,
          link(u(39), '39'),
          link(u(40), '40'),
          nextLink(u(26)),
        ],
        path: API,
        per_page: 1,
        to: 25,
        total: 40,
      },
    });
    const matches = await allConversations(h, seed, '?search=ada');
    expect(matches).toHaveLength(40);
    expect(data.map((row: any) => row.id)).toEqual([matches[24].id]);
  });

  const table97: Array<[string, string]> = [
    ['a.b=1&c%20d=2&dup=1&5=x&dup=2&page=2', '?a_b=1&c_d=2&dup=2&0=x&page=1'],
    ['search=%20ada%20&channel_type=&page=2&empty=', '?search=ada&page=1'],
    [
      "q=a%26b%3Dc&slash=a%2Fb%3Fc%23d&uni=Jos%C3%A9&keep=-_.~!*'()&plus=1%2B1&sp=a+b&page=2",
      '?q=a%26b%3Dc&slash=a%2Fb%3Fc%23d&uni=Jos%C3%A9&keep=-_.~%21%2A%27%28%29&plus=1%2B1&sp=a%20b&page=1',
    ],
    [
      'filter%5Bstatus%5D=open&filter%5Btags%5D%5B%5D=vip&filter%5Btags%5D%5B%5D=x%20y&page[]=2',
      '?filter%5Bstatus%5D=open&filter%5Btags%5D%5B0%5D=vip&filter%5Btags%5D%5B1%5D=x%20y&page=1',
    ],
    ['bar[]=x&page=2&bar[]=y%20z&per_page=5', '?bar%5B0%5D=x&bar%5B1%5D=y%20z&per_page=5&page=1'],
    ['per_page=5&page=2&search=ADA&&x=1&', '?per_page=5&search=ADA&x=1&page=1'],
    ['5=x&7=y&page=2', '?0=x&1=y&page=1'],
    ['a[5]=x&a[]=y', '?a%5B5%5D=x&a%5B6%5D=y&page=1'],
    ['tags[]=a%20b&tags[]=c%26d&name=J%C3%B6rg&x=1%2B1&page=2', '?tags%5B0%5D=a%20b&tags%5B1%5D=c%26d&name=J%C3%B6rg&x=1%2B1&page=1'],
  ];

  it('links.first keeps the query the PHP way (45 rows)', async () => {
    const seed = await h.seedTenant({ conversations: 45 });
    for (const [query, first] of table97) {
      const response = await listConversations(h, seed, `?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.json.links.first, query).toBe(`${API}${first}`);
    }
    const arrayPage = await listConversations(h, seed, `?${table97[3]![0]}`);
    expect(arrayPage.json.meta.current_page).toBe(1);
    expect(arrayPage.json.links.prev).toBeNull();
    const duplicate = await listConversations(h, seed, '?page=2&page=3');
    expect(duplicate.json.meta.current_page).toBe(3);
  });

  it('page=999999 of 300 rows: not clamped, window at the end, nothing active', async () => {
    const seed = await h.seedTenant({ conversations: 300 });
    const response = await listConversations(h, seed, '?page=999999');
    const u = (p: number) => `${API}?page=${p}`;
    const { meta, links, data } = response.json;
    expect(data).toEqual([]);
    expect([meta.current_page, meta.last_page, meta.from, meta.to, meta.total]).toEqual([999999, 20, null, null, 300]);
    expect(links).toEqual({ first: u(1), last: u(20), prev: u(999998), next: null });
    expect(meta.links).toEqual([
      prevLink(u(999998)),
      link(u(1), '1'),
      link(u(2), '2'),
      gap,
      ...[11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((p) => link(u(p), String(p))),
      nextLink(null),
    ]);
  });

  it('per_page=%2B5 and per_page=+5 (12 rows)', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    for (const [query, first] of [
      ['per_page=%2B5&page=2', `${API}?per_page=%2B5&page=1`],
      ['per_page=+5&page=2', `${API}?per_page=5&page=1`],
    ]) {
      const { json } = await listConversations(h, seed, `?${query}`);
      expect([json.meta.per_page, json.meta.current_page, json.meta.from, json.meta.to, json.meta.last_page], query).toEqual([5, 2, 6, 10, 3]);
      expect(json.data, query).toHaveLength(5);
      expect(json.links.first, query).toBe(first);
    }
  });
});

describe('page and per_page', () => {
  it('resolves page the PHP way and never fails on it (45 rows)', async () => {
    const seed = await h.seedTenant({ conversations: 45 });
    const cases: Array<[string, number, number]> = [
      ['page=0', 1, 15],
      ['page=-1', 1, 15],
      ['page=-0', 1, 15],
      ['page=abc', 1, 15],
      ['page=+3', 3, 15],
      ['page=%2B3', 3, 15],
      ['page=%203%20', 3, 15],
      ['page=03', 1, 15],
      ['page=2.0', 1, 15],
      ['page=1e1', 1, 15],
      ['page=0x1A', 1, 15],
      ['page[]=2', 1, 15],
      ['page=', 1, 15],
      ['page=2', 2, 15],
      ['page=4', 4, 0],
      ['page=2147483648', 2147483648, 0],
      ['page=99999999999999999999', 1, 15],
      ['page=9007199254740992', 1, 15],
      ['page=9007199254740991', 9007199254740991, 0],
    ];
    for (const [query, current, rows] of cases) {
      const response = await listConversations(h, seed, `?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.json.meta.current_page, query).toBe(current);
      expect(response.json.data, query).toHaveLength(rows);
      expect(response.json.meta.from, query).toBe(rows === 0 ? null : (current - 1) * 15 + 1);
      expect(response.json.meta.total, query).toBe(45);
    }
    const beyond = await listConversations(h, seed, '?page=4');
    expect(beyond.json.links.prev).toBe(`${API}?page=3`);
    expect(beyond.json.links.next).toBeNull();
    expect(beyond.json.meta.links.filter((entry: any) => entry.active)).toEqual([]);
  });

  it('accepts per_page 1, 100, +5, " 5", empty; pages hold that many rows (101 rows)', async () => {
    const seed = await h.seedTenant({ conversations: 101 });
    const cases: Array<[string, number, number, number]> = [
      ['per_page=1', 1, 1, 101],
      ['per_page=100', 100, 100, 2],
      ['per_page=100&page=2', 100, 1, 2],
      ['per_page=%2B5', 5, 5, 21],
      ['per_page=%205', 5, 5, 21],
      ['per_page=', 15, 15, 7],
      ['per_page=%20%20', 15, 15, 7],
    ];
    for (const [query, perPage, rows, lastPage] of cases) {
      const response = await listConversations(h, seed, `?${query}`);
      expect(response.status, `${query}: ${response.body.slice(0, 200)}`).toBe(200);
      expectPaginatorShape(response.json);
      expect([response.json.meta.per_page, response.json.data.length, response.json.meta.last_page], query).toEqual([perPage, rows, lastPage]);
    }
  });

  it('answers 422 with the exact body for invalid per_page', async () => {
    const seed = await h.seedTenant({ conversations: 3 });
    const integer = 'The per page field must be an integer.';
    const atLeast = 'The per page field must be at least 1.';
    const atMost = 'The per page field must not be greater than 100.';
    const cases: Array<[string, string]> = [
      ['per_page=0', atLeast],
      ['per_page=-1', atLeast],
      ['per_page=-0', atLeast],
      ['per_page=101', atMost],
      ['per_page=2147483648', atMost],
      ['per_page=99999999999999999', atMost],
      ['per_page=abc', integer],
      ['per_page=05', integer],
      ['per_page=2.5', integer],
      ['per_page=5.0', integer],
      ['per_page=1e1', integer],
      ['per_page=0x1A', integer],
      ['per_page[]=5', integer],
      ['per_page=99999999999999999999', integer],
    ];
    for (const [query, message] of cases) {
      const response = await listConversations(h, seed, `?${query}`);
      expectValidationError(response, { per_page: [message] });
    }
  });

  it('reports every failing query field at once, in rule order', async () => {
    const seed = await h.seedTenant({ conversations: 3 });
    const response = await listConversations(h, seed, `?channel_type=sms&search[]=x&per_page=0`);
    expectValidationError(response, {
      per_page: ['The per page field must be at least 1.'],
      search: ['The search field must be a string.'],
      channel_type: ['The selected channel type is invalid.'],
    });
  });
});

describe('path and host', () => {
  it('serves a trailing slash like the path without it', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    const plain = await listConversations(h, seed, '?per_page=5&page=2');
    const slashed = await h.request({ url: '/api/v1/conversations/?per_page=5&page=2', token: seed.access_token });
    expect(slashed.status).toBe(200);
    expect(slashed.json).toEqual(plain.json);
    expect(slashed.json.meta.path).toBe(API);
    expect(slashed.json.links.first).toBe(`${API}?per_page=5&page=1`);
  });

  it('answers 400 for a query string that is not valid UTF-8 (after authentication)', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    for (const query of ['?search=%FF', '?x%C3=1', '?page=%E2%82']) {
      const response = await listConversations(h, seed, query);
      expect(response.status, query).toBe(400);
      expect(response.json, query).toEqual({ error: 'invalid_request', message: 'The query string is not valid UTF-8.' });
    }
    expect((await h.request({ url: '/api/v1/conversations?search=%FF' })).status).toBe(401);
  });

  it('builds meta.path and links from the Host header', async () => {
    const seed = await h.seedTenant({ conversations: 2 });
    const cases: Array<[string, string]> = [
      ['LOCALHOST:8080', 'http://localhost:8080/api/v1/conversations'],
      ['example.com:80', 'http://example.com/api/v1/conversations'],
      ['api.example.test', 'http://api.example.test/api/v1/conversations'],
      ['[::1]:8080', 'http://[::1]:8080/api/v1/conversations'],
    ];
    for (const [host, path] of cases) {
      const response = await listConversations(h, seed, '?x=1', { host });
      expect(response.json.meta.path, host).toBe(path);
      expect(response.json.links.first, host).toBe(`${path}?x=1&page=1`);
      expect(response.json.meta.links[1].url, host).toBe(`${path}?x=1&page=1`);
    }
  });
});
