/**
 * Hostile input answers a clear 4xx, never a 500 (README, "API conventions worth knowing"): NUL characters are a 422
 * on their field (query and body, nested values and keys included); JSON deeper than 512 levels and bodies that are
 * not UTF-8 are 400 invalid_request; a path that is not percent-encoded UTF-8 gets the API's envelope (the OAuth
 * endpoints and pages keep their own formats); the OAuth forms refuse NUL and invalid UTF-8 the same way.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { insertBlacklist, sql } from '../support/factories.js';
import { TestBrowser, hiddenValue, listen } from '../support/oauth-browser.js';

let h: Harness;
let seed: SeedResult;
let base: string;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant({ conversations: 1 });
  base = await listen(h);
});
afterAll(async () => h?.close());

const nul = (field: string) => `The ${field} field must not contain NUL characters.`;
const TOO_DEEP = 'The request body must not be nested more than 512 levels deep.';
const NOT_UTF8 = 'The request body is not valid UTF-8.';
const BAD_PATH = 'The request path is not valid percent-encoded UTF-8.';

const call = (method: string, url: string, options: { body?: unknown; payload?: string | Buffer; token?: string | null } = {}) =>
  h.request({
    method,
    url,
    token: options.token === undefined ? seed.access_token : options.token,
    tenant: seed.tenant_id,
    body: options.body,
    payload: options.payload,
    headers: options.payload === undefined ? {} : { 'content-type': 'application/json' },
  });

const customerCount = async () => Number((await sql<{ n: string }>(h, 'SELECT count(*) AS n FROM customers WHERE tenant_id = $1', [seed.tenant_id]))[0]!.n);

async function blacklistEntry(): Promise<number> {
  const rows = await sql<{ id: number }>(h, "INSERT INTO customers (tenant_id, first_name) VALUES ($1, 'Blocked') RETURNING id", [seed.tenant_id]);
  return insertBlacklist(h, { tenantId: seed.tenant_id, channelId: seed.channels.telegram, customerId: Number(rows[0]!.id) });
}

describe('NUL characters: one rule, a 422 on the field', () => {
  it('refuses a NUL inside a body string, stores nothing, and still trims leading and trailing NULs as PHP trim does', async () => {
    const before = await customerCount();
    expectValidationError(await call('POST', '/api/v1/customers', { body: { first_name: 'Ce\u0000yda', last_name: 'Zed' } }), {
      first_name: [nul('first name')],
    });
    expect(await customerCount()).toBe(before);
    const trimmed = await call('POST', '/api/v1/customers', { body: { first_name: '\u0000Ceyda\u0000' } });
    expect(trimmed.status, trimmed.body).toBe(201);
    expect(trimmed.json.data.first_name).toBe('Ceyda');
  });

  it('refuses a NUL in a query value, for search and filter fields alike', async () => {
    expectValidationError(await call('GET', '/api/v1/customers?search=a%00b'), { search: [nul('search')] });
    expectValidationError(await call('GET', '/api/v1/conversations?search=a%00b'), { search: [nul('search')] });
  });

  it('reads a NUL in page and per_page as PHP filter_var does: per_page is not an integer, page is page 1 (docs/input.md#validation)', async () => {
    expectValidationError(await call('GET', '/api/v1/customers?per_page=1%002'), { per_page: ['The per page field must be an integer.'] });
    const page = await call('GET', '/api/v1/customers?page=2%003&per_page=1');
    expect(page.status, page.body).toBe(200);
    expect(page.json.meta.current_page).toBe(1);
  });

  it('refuses a NUL anywhere inside a structured field: nested values and object keys', async () => {
    const entry = await blacklistEntry();
    for (const metadata of [{ source: 'a\u0000b' }, { 'key\u0000': 'value' }, { deep: [{ list: ['ok', 'x\u0000y'] }] }]) {
      expectValidationError(await call('PUT', `/api/v1/channel-blacklists/${entry}`, { body: { metadata } }), { metadata: [nul('metadata')] });
    }
    const stored = await sql<{ metadata: unknown }>(h, 'SELECT metadata FROM channel_blacklists WHERE id = $1', [entry]);
    expect(JSON.stringify(stored[0]!.metadata)).not.toContain('\\u0000');
  });

  it('refuses a NUL in a password, which is not trimmed', async () => {
    const response = await call('POST', '/api/v1/users', {
      body: { name: 'Nul Tester', email: 'nul-tester@example.test', password: 'correct\u0000horse', password_confirmation: 'correct\u0000horse' },
    });
    expect(response.status, response.body).toBe(422);
    expect(response.json.errors.password).toEqual([nul('password')]);
  });
});

describe('deep JSON', () => {
  const nested = (depth: number, open: string, close: string, inner: string) =>
    `{"first_name":"Deep","extra":${open.repeat(depth - 1)}${inner}${close.repeat(depth - 1)}}`;

  it('answers 400 invalid_request beyond 512 levels, for arrays and objects, up to the 1 MiB body limit', async () => {
    for (const payload of [nested(10_000, '[', ']', '1'), nested(10_000, '{"a":', '}', '1'), nested(513, '[', ']', '1'), nested(520_000, '[', ']', '1')]) {
      expectError(await call('POST', '/api/v1/customers', { payload }), 400, 'invalid_request', TOO_DEEP);
    }
    // Unbalanced and deep: JSON.parse itself must not overflow either.
    expectError(
      await call('POST', '/api/v1/customers', { payload: `{"a":${'['.repeat(1_048_000)}` }),
      400,
      'invalid_request',
      'The request body is not valid JSON.',
    );
  });

  it('accepts exactly 512 levels (the top-level object counts as one), and brackets inside strings do not count', async () => {
    const response = await call('POST', '/api/v1/customers', { payload: nested(512, '[', ']', '"[[{{\\"["') });
    expect(response.status, response.body).toBe(201);
    const entry = await blacklistEntry();
    const metadata = `{"metadata":{"tree":${'['.repeat(510)}"leaf"${']'.repeat(510)}}}`;
    const updated = await call('PUT', `/api/v1/channel-blacklists/${entry}`, { payload: metadata });
    expect(updated.status, updated.body).toBe(200);
    expect(JSON.stringify(updated.json.data.metadata)).toBe(`{"tree":${'['.repeat(510)}"leaf"${']'.repeat(510)}}`);
  });
});

describe('invalid UTF-8 in a JSON body', () => {
  it('answers 400 invalid_request instead of storing U+FFFD', async () => {
    const before = await customerCount();
    const invalid = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]];
    for (const bytes of invalid) {
      const payload = Buffer.concat([Buffer.from('{"first_name":"A'), Buffer.from(bytes), Buffer.from('"}')]);
      expectError(await call('POST', '/api/v1/customers', { payload }), 400, 'invalid_request', NOT_UTF8);
    }
    expect(await customerCount()).toBe(before);
    const valid = await call('POST', '/api/v1/customers', { payload: Buffer.from('{"first_name":"Çağla 🙂"}') });
    expect(valid.json.data.first_name).toBe('Çağla 🙂');
  });
});

/** A raw request over a real socket: the path is sent byte for byte, as no URL class would let us. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<TestResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, json });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('paths that are not percent-encoded UTF-8', () => {
  it('answer 400 invalid_request in the API envelope, with or without a token', async () => {
    for (const path of ['/api/v1/customers/%ff', '/api/v1/%', '/api/v1/customers/%E0%A4%A', '/api/v1/conversations/1/messages/%C0%AF', '/nope/%zz']) {
      for (const headers of [{}, { authorization: `Bearer ${seed.access_token}` }] as Array<Record<string, string>>) {
        const response = await rawGet(path, headers);
        expectError(response, 400, 'invalid_request', BAD_PATH);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        if (path.startsWith('/api/')) expect(response.headers['cache-control']).toBe('no-store');
      }
    }
  });

  it('an over-long path parameter is a 404 in the envelope, not Fastify 414 body', async () => {
    expectError(await rawGet(`/api/v1/customers/${'9'.repeat(150)}`), 404, 'not_found', 'The requested resource was not found.');
  });

  it('under /oauth keep the OAuth formats: an error body for the endpoints, a page for the pages', async () => {
    const endpoint = await rawGet('/oauth/token/%ff');
    expect(endpoint.status).toBe(400);
    expect(endpoint.json).toEqual({ error: 'invalid_request', error_description: 'The request could not be read.', message: 'The request could not be read.' });
    expect(endpoint.headers['cache-control']).toBe('no-store');
    const page = await rawGet('/oauth/login/%ff');
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

/** Raw bytes over a real socket, for requests Node's HTTP parser refuses before any route: the whole answer. */
function rawExchange(request: Buffer | string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body });
    });
  });
}

describe("requests Node's HTTP parser refuses", () => {
  it('answer in the envelope: a NUL in a header, a malformed request line, headers too large', async () => {
    const cases: Array<[Buffer | string, number, string, string]> = [
      [Buffer.from('GET /api/v1/customers HTTP/1.1\r\nHost: x\r\nX-Tenant: 1\u0000\r\n\r\n'), 400, 'invalid_request', 'The request is malformed.'],
      ['GET /api/v1/customers HTTP/9.9 extra\r\nHost: x\r\n\r\n', 400, 'invalid_request', 'The request is malformed.'],
      [
        `GET /api/v1/customers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'request_header_too_large',
        'The request headers are too large.',
      ],
    ];
    for (const [request, status, error, message] of cases) {
      const answer = await rawExchange(request);
      expect(answer.status, answer.headers).toBe(status);
      expect(answer.headers).toMatch(/content-type: application\/json; charset=utf-8/i);
      expect(JSON.parse(answer.body)).toEqual({ error, message });
    }
  });
});

describe('OAuth forms', () => {
  const form = (url: string, payload: string | Buffer) =>
    h.request({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const oauthBody = (description: string) => ({ error: 'invalid_request', error_description: description, message: description });

  it('the token endpoints refuse NUL and invalid UTF-8 with 400 invalid_request', async () => {
    const credentials = `client_id=${seed.client_id}&client_secret=${encodeURIComponent(seed.client_secret)}`;
    const cases: Array<[string, string | Buffer, string]> = [
      ['/oauth/token', `grant_type=client_credentials&${credentials}&scope=a%00b`, 'The scope parameter must not contain NUL characters.'],
      ['/oauth/revoke', `token=abc%00def&${credentials}`, 'The token parameter must not contain NUL characters.'],
      ['/oauth/introspect', `token=abc%ffdef&${credentials}`, 'The request is not valid UTF-8.'],
      [
        '/oauth/token',
        Buffer.concat([Buffer.from(`grant_type=client_credentials&${credentials}&scope=`), Buffer.from([0xff])]),
        'The request is not valid UTF-8.',
      ],
    ];
    for (const [url, payload, description] of cases) {
      const response = await form(url, payload);
      expect(response.status, response.body).toBe(400);
      expect(response.json).toEqual(oauthBody(description));
    }
  });

  it('the login page refuses a NUL in the email with a 400 page, not a 500', async () => {
    const browser = new TestBrowser(base);
    const page = await browser.get('/oauth/login');
    const { response, html } = await browser.post('/oauth/login', {
      email: `a\u0000${seed.email}`,
      password: seed.password,
      _csrf: hiddenValue(page.html, '_csrf'),
    });
    expect(response.status, html.slice(0, 300)).toBe(400);
    expect(html).toContain('The request could not be read.');
    const authorize = await browser.get(`/oauth/authorize?client_id=${seed.client_id}%00&response_type=code`);
    expect(authorize.response.status).toBe(400);
  });
});
