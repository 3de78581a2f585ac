import { describe, it, expect } from 'vitest';
import { buildPaginator, pageOffset, parseFilterInt, parsePerPage, requestBaseUrl, resolvePage, type PaginatedBody } from '../../src/http/pagination.js';
import { readPageRequest } from '../../src/http/page-fields.js';
import type { FieldErrors } from '../../src/http/errors.js';
import type { RuleContext } from '../../src/http/validation.js';
import { cleanPhpQuery, parsePhpQuery, PhpMap } from '../../src/http/query-string.js';

const LOCAL_PATH = 'http://localhost/api/conversations';
const API_PATH = 'http://127.0.0.1:8080/api/v1/conversations';

/** The whole request pipeline of a list endpoint, with rows numbered 1..total. */
function paginate(rawQuery: string, total: number, hostHeader = '127.0.0.1:8080', path = '/api/v1/conversations') {
  const query = cleanPhpQuery(parsePhpQuery(rawQuery));
  const perPageResult = parsePerPage(query.get('per_page'));
  if (!perPageResult.ok) throw new Error(perPageResult.message);
  const perPage = perPageResult.value ?? 15;
  const currentPage = resolvePage(query.get('page'));
  const offset = pageOffset(currentPage, perPage);
  const count = Math.max(0, Math.min(perPage, total - offset));
  const data = Array.from({ length: count }, (_, index) => ({ id: offset + index + 1 }));
  const basePath = requestBaseUrl({ hostHeader, scheme: 'http', path });
  return buildPaginator({ data, total, perPage, currentPage, path: basePath, query });
}

/** Checks Object.keys at every level, which toEqual alone does not. */
function expectSameKeyOrder(actual: unknown, expected: unknown, where = '$'): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expected.forEach((item, index) => expectSameKeyOrder((actual as unknown[])[index], item, `${where}[${index}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object), where).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) {
      expectSameKeyOrder((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  }
}

function expectBody(actual: PaginatedBody<unknown>, expectedJson: unknown): void {
  const parsed: unknown = JSON.parse(JSON.stringify(actual));
  expect(parsed).toEqual(expectedJson);
  expectSameKeyOrder(parsed, expectedJson);
}

const pageLink = (url: string | null, label: string, active = false) => ({ url, label, active });
const gap = pageLink(null, '...');

describe('worked examples: empty, beyond the end, no rows (docs/pagination.md#the-numbers)', () => {
  it('9.1 empty result, byte for byte after PHP escaping', () => {
    const laravelBytes =
      '{"data":[],"links":{"first":"http:\\/\\/localhost\\/api\\/conversations?page=1","last":"http:\\/\\/localhost\\/api\\/conversations?page=1","prev":null,"next":null},"meta":{"current_page":1,"from":null,"last_page":1,"links":[{"url":null,"label":"&laquo; Previous","active":false},{"url":"http:\\/\\/localhost\\/api\\/conversations?page=1","label":"1","active":true},{"url":null,"label":"Next &raquo;","active":false}],"path":"http:\\/\\/localhost\\/api\\/conversations","per_page":15,"to":null,"total":0}}';
    const body = paginate('', 0, 'localhost', '/api/conversations');
    expect(JSON.stringify(body).replaceAll('/', '\\/')).toBe(laravelBytes);
    expectBody(body, JSON.parse(laravelBytes));
  });

  it('9.2 a page beyond the end', () => {
    const url = (page: number) => `${LOCAL_PATH}?page=${page}`;
    expectBody(paginate('page=5', 20, 'localhost', '/api/conversations'), {
      data: [],
      links: { first: url(1), last: url(2), prev: url(4), next: null },
      meta: {
        current_page: 5,
        from: null,
        last_page: 2,
        links: [pageLink(url(4), '&laquo; Previous'), pageLink(url(1), '1'), pageLink(url(2), '2'), pageLink(null, 'Next &raquo;')],
        path: LOCAL_PATH,
        per_page: 15,
        to: null,
        total: 20,
      },
    });
  });

  it('9.3 no rows, page 3', () => {
    const url = (page: number) => `${LOCAL_PATH}?page=${page}`;
    expectBody(paginate('page=3', 0, 'localhost', '/api/conversations'), {
      data: [],
      links: { first: url(1), last: url(1), prev: url(2), next: null },
      meta: {
        current_page: 3,
        from: null,
        last_page: 1,
        links: [pageLink(url(2), '&laquo; Previous'), pageLink(url(1), '1'), pageLink(null, 'Next &raquo;')],
        path: LOCAL_PATH,
        per_page: 15,
        to: null,
        total: 0,
      },
    });
  });
});

describe('sliders (docs/pagination.md#metalinks-window)', () => {
  it('9.5 query string kept, arrays, a "+" page, the start slider', () => {
    const body = paginate('foo=a%20b&bar%5B%5D=x&page=%2B3&bar%5B%5D=y&per_page=10', 157);
    const url = (page: number) => `${API_PATH}?foo=a%20b&bar%5B0%5D=x&bar%5B1%5D=y&per_page=10&page=${page}`;
    const pages = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((page) => pageLink(url(page), String(page), page === 3));
    expectBody(body, {
      data: Array.from({ length: 10 }, (_, index) => ({ id: 21 + index })),
      links: { first: url(1), last: url(16), prev: url(2), next: url(4) },
      meta: {
        current_page: 3,
        from: 21,
        last_page: 16,
        links: [pageLink(url(2), '&laquo; Previous'), ...pages, gap, pageLink(url(15), '15'), pageLink(url(16), '16'), pageLink(url(4), 'Next &raquo;')],
        path: API_PATH,
        per_page: 10,
        to: 30,
        total: 157,
      },
    });
  });

  it('9.6 the full slider', () => {
    const body = paginate('page=25&search=ada&per_page=1', 40);
    const url = (page: number) => `${API_PATH}?search=ada&per_page=1&page=${page}`;
    const slider = [22, 23, 24, 25, 26, 27, 28].map((page) => pageLink(url(page), String(page), page === 25));
    expectBody(body, {
      data: [{ id: 25 }],
      links: { first: url(1), last: url(40), prev: url(24), next: url(26) },
      meta: {
        current_page: 25,
        from: 25,
        last_page: 40,
        links: [
          pageLink(url(24), '&laquo; Previous'),
          pageLink(url(1), '1'),
          pageLink(url(2), '2'),
          gap,
          ...slider,
          gap,
          pageLink(url(39), '39'),
          pageLink(url(40), '40'),
          pageLink(url(26), 'Next &raquo;'),
        ],
        path: API_PATH,
        per_page: 1,
        to: 25,
        total: 40,
      },
    });
  });
});

describe('more cases (docs/pagination.md)', () => {
  it.each([
    ['a.b=1&c%20d=2&dup=1&5=x&dup=2&page=2', 'a_b=1&c_d=2&dup=2&0=x&page=1'],
    ['search=%20ada%20&channel_type=&page=2&empty=', 'search=ada&page=1'],
    [
      "q=a%26b%3Dc&slash=a%2Fb%3Fc%23d&uni=Jos%C3%A9&keep=-_.~!*'()&plus=1%2B1&sp=a+b&page=2",
      'q=a%26b%3Dc&slash=a%2Fb%3Fc%23d&uni=Jos%C3%A9&keep=-_.~%21%2A%27%28%29&plus=1%2B1&sp=a%20b&page=1',
    ],
    [
      'filter%5Bstatus%5D=open&filter%5Btags%5D%5B%5D=vip&filter%5Btags%5D%5B%5D=x%20y&page[]=2',
      'filter%5Bstatus%5D=open&filter%5Btags%5D%5B0%5D=vip&filter%5Btags%5D%5B1%5D=x%20y&page=1',
    ],
    ['bar[]=x&page=2&bar[]=y%20z&per_page=5', 'bar%5B0%5D=x&bar%5B1%5D=y%20z&per_page=5&page=1'],
    ['per_page=5&page=2&search=ADA&&x=1&', 'per_page=5&search=ADA&x=1&page=1'],
    ['5=x&7=y&page=2', '0=x&1=y&page=1'],
    ['a[5]=x&a[]=y', 'a%5B5%5D=x&a%5B6%5D=y&page=1'],
  ])('%s gives first = …?%s', (query, first) => {
    expect(paginate(query, 45).links.first).toBe(`${API_PATH}?${first}`);
  });

  it('an array page is page 1 with no prev', () => {
    const body = paginate('filter%5Bstatus%5D=open&page[]=2', 45);
    expect(body.meta.current_page).toBe(1);
    expect(body.links.prev).toBeNull();
  });

  it('page=999999 of 300 rows is not clamped', () => {
    const body = paginate('page=999999', 300);
    expect(body.data).toEqual([]);
    expect(body.meta).toMatchObject({ current_page: 999999, last_page: 20, from: null, to: null });
    expect(body.links.prev).toBe(`${API_PATH}?page=999998`);
    expect(body.links.next).toBeNull();
    expect(body.meta.links.map((link) => link.label)).toEqual([
      '&laquo; Previous',
      '1',
      '2',
      '...',
      '11',
      '12',
      '13',
      '14',
      '15',
      '16',
      '17',
      '18',
      '19',
      '20',
      'Next &raquo;',
    ]);
    expect(body.meta.links.some((link) => link.active)).toBe(false);
  });

  it.each([
    ['per_page=%2B5&page=2', 'per_page=%2B5&page=1'],
    ['per_page=+5&page=2', 'per_page=5&page=1'],
  ])('%s keeps the per_page text as sent', (query, first) => {
    const body = paginate(query, 12);
    expect(body.meta).toMatchObject({ per_page: 5, current_page: 2, from: 6, to: 10, last_page: 3 });
    expect(body.links.first).toBe(`${API_PATH}?${first}`);
  });

  it('the last duplicate page wins', () => {
    expect(paginate('page=2&page=3', 45).meta.current_page).toBe(3);
  });

  it('a null integer-keyed value still takes its number when renumbering', () => {
    expect(paginate('5=&7=y', 45).links.first).toBe(`${API_PATH}?1=y&page=1`);
  });
});

describe('meta.links window (docs/pagination.md#metalinks-window)', () => {
  function render(lastPage: number, currentPage: number): string {
    const body = buildPaginator({
      data: [],
      total: lastPage * 10,
      perPage: 10,
      currentPage,
      path: 'http://h/p',
      query: new PhpMap(),
    });
    expect(body.meta.last_page).toBe(lastPage);
    const links = body.meta.links;
    expect(links[0]?.url).toBe(body.links.prev);
    expect(links.at(-1)?.url).toBe(body.links.next);
    return links
      .map((link, index) => {
        if (index === 0) return 'Prev';
        if (index === links.length - 1) return 'Next';
        if (link.label === '...') return link.url === null && !link.active ? '...' : 'bad-gap';
        expect(link.url).toBe(`http://h/p?page=${link.label}`);
        return link.active ? `${link.label}*` : link.label;
      })
      .join(' ');
  }

  it.each([
    [1, 1, 'Prev 1* Next'],
    [2, 1, 'Prev 1* 2 Next'],
    [13, 13, 'Prev 1 2 3 4 5 6 7 8 9 10 11 12 13* Next'],
    [14, 1, 'Prev 1* 2 3 4 5 6 7 8 9 10 ... 13 14 Next'],
    [14, 7, 'Prev 1 2 3 4 5 6 7* 8 9 10 ... 13 14 Next'],
    [14, 8, 'Prev 1 2 ... 5 6 7 8* 9 10 11 12 13 14 Next'],
    [15, 8, 'Prev 1 2 ... 5 6 7 8* 9 10 11 ... 14 15 Next'],
    [15, 9, 'Prev 1 2 ... 6 7 8 9* 10 11 12 13 14 15 Next'],
    [20, 1, 'Prev 1* 2 3 4 5 6 7 8 9 10 ... 19 20 Next'],
    [20, 7, 'Prev 1 2 3 4 5 6 7* 8 9 10 ... 19 20 Next'],
    [20, 8, 'Prev 1 2 ... 5 6 7 8* 9 10 11 ... 19 20 Next'],
    [20, 13, 'Prev 1 2 ... 10 11 12 13* 14 15 16 ... 19 20 Next'],
    [20, 14, 'Prev 1 2 ... 11 12 13 14* 15 16 17 18 19 20 Next'],
    [20, 20, 'Prev 1 2 ... 11 12 13 14 15 16 17 18 19 20* Next'],
    [20, 25, 'Prev 1 2 ... 11 12 13 14 15 16 17 18 19 20 Next'],
    [100, 50, 'Prev 1 2 ... 47 48 49 50* 51 52 53 ... 99 100 Next'],
  ])('L=%i c=%i: %s', (lastPage, currentPage, expected) => {
    expect(render(lastPage, currentPage)).toBe(expected);
  });
});

const cleanedValue = (query: string, key: string) => cleanPhpQuery(parsePhpQuery(query)).get(key);

/** per_page through the declared page fields, as a paginated route validates it. */
async function validatePerPage(value: unknown): Promise<{ ok: true; perPage: number } | { ok: false; message: string }> {
  const errors: FieldErrors = {};
  const page = await readPageRequest(value === undefined ? {} : { per_page: value }, {} as RuleContext, errors);
  return errors.per_page ? { ok: false, message: errors.per_page[0]! } : { ok: true, perPage: page.perPage };
}

describe('per_page (docs/pagination.md#per_page-and-page)', () => {
  it.each<[string, number]>([
    ...['', 'per_page=', 'per_page=%20%20'].map((query): [string, number] => [query, 15]),
    ['per_page=1', 1],
    ['per_page=15', 15],
    ['per_page=100', 100],
    ...['per_page=%2B5', 'per_page=%205', 'per_page=+5'].map((query): [string, number] => [query, 5]),
  ])('%s → %i', async (query, perPage) => {
    expect(await validatePerPage(cleanedValue(query, 'per_page'))).toEqual({ ok: true, perPage });
  });

  const refused: Array<[string, string[]]> = [
    ['The per page field must be at least 1.', ['0', '-1', '-0']],
    ['The per page field must not be greater than 100.', ['101', '2147483648', '12345678901234567', '9223372036854775807']],
    ['The per page field must be an integer.', ['abc', '2.5', '5.0', '05', '1e1', '0x1A', '99999999999999999999', '9223372036854775808']],
  ];
  it.each<[string, string]>([
    ...refused.flatMap(([message, values]) => values.map((value): [string, string] => [`per_page=${value}`, message])),
    ['per_page[]=5', 'The per page field must be an integer.'],
  ])('%s → 422 %s', async (query, message) => {
    expect(await validatePerPage(cleanedValue(query, 'per_page'))).toEqual({ ok: false, message });
  });

  it('treats an uncleaned blank value as absent', async () => {
    expect(await validatePerPage(' \t')).toEqual({ ok: true, perPage: 15 });
  });
});

describe('page (docs/pagination.md#per_page-and-page)', () => {
  const invalid = ['03', '2.0', '1e1', '0x1A', '0', '-1', '-0', 'abc', '', '%D9%A3', '99999999999999999999'];
  it.each<[string, number]>([
    ...['3', '%2B3', '+3', '%203', '3%20'].map((value): [string, number] => [`page=${value}`, 3]),
    ['page=999999', 999999],
    ['page=2147483648', 2147483648],
    ['page=9007199254740991', 9007199254740991],
    ...[...invalid, '9007199254740992'].map((value): [string, number] => [`page=${value}`, 1]),
    ['page[]=2', 1],
    ['', 1],
  ])('%s → %i', (query, page) => {
    expect(resolvePage(cleanedValue(query, 'page'))).toBe(page);
  });

  it('accepts surrounding whitespace even without cleaning', () => {
    expect(resolvePage(' 3 ')).toBe(3);
    expect(resolvePage(null)).toBe(1);
    expect(resolvePage(undefined)).toBe(1);
  });
});

describe('parseFilterInt', () => {
  it('follows FILTER_VALIDATE_INT', () => {
    expect(parseFilterInt('\t\n\r\v 42 \n')).toBe(42n);
    expect(parseFilterInt('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseFilterInt('+0')).toBe(0n);
    expect(parseFilterInt('-9223372036854775809')).toBeNull();
    expect(parseFilterInt('\f1')).toBeNull();
    expect(parseFilterInt('1\0')).toBeNull();
    expect(parseFilterInt('+')).toBeNull();
    expect(parseFilterInt('   ')).toBeNull();
    expect(parseFilterInt('00')).toBeNull();
    expect(parseFilterInt('1 2')).toBeNull();
  });
});

describe('requestBaseUrl (docs/pagination.md#metapath)', () => {
  const base = { scheme: 'http' as const, path: '/api/v1/conversations' };
  it.each([
    ['127.0.0.1:8080', 'http', '/api/v1/conversations/', 'http://127.0.0.1:8080/api/v1/conversations'],
    ['LOCALHOST:8080', 'http', '/api/v1/conversations', 'http://localhost:8080/api/v1/conversations'],
    ['Example.com:80', 'http', '/x', 'http://example.com/x'],
    ['example.com:443', 'http', '/x', 'http://example.com:443/x'],
    ['example.com:443', 'https', '/x', 'https://example.com/x'],
    ['example.com:80', 'https', '/x', 'https://example.com:80/x'],
    ['[::1]:8080', 'http', '/x', 'http://[::1]:8080/x'],
    ['[::1]:80', 'http', '/x', 'http://[::1]/x'],
    ['[::1]', 'http', '/x', 'http://[::1]/x'],
    ['h', 'http', '/a%2Fb/?page=2', 'http://h/a%2Fb'],
  ] as const)('Host %s over %s, path %s → %s', (hostHeader, scheme, path, expected) => {
    expect(requestBaseUrl({ hostHeader, scheme, path })).toBe(expected);
  });

  it('falls back to the listening address, port always included', () => {
    expect(requestBaseUrl({ ...base, hostHeader: undefined, serverAddress: { address: '10.0.0.1', port: 80 } })).toBe(
      'http://10.0.0.1:80/api/v1/conversations',
    );
    expect(requestBaseUrl({ ...base, hostHeader: '', serverAddress: { address: '::1', port: 3000, family: 'IPv6' } })).toBe(
      'http://[::1]:3000/api/v1/conversations',
    );
  });
});

describe('pageOffset', () => {
  it('multiplies exactly and saturates instead of losing precision', () => {
    expect(pageOffset(1, 15)).toBe(0);
    expect(pageOffset(3, 10)).toBe(20);
    expect(pageOffset(9007199254740991, 100)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
