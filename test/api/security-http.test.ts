/**
 * Route-level answers and common headers (docs/request-checks.md#paths-and-path-ids, docs/responses.md#status-codes, docs/request-checks.md#rate-limiting, docs/request-checks.md#response-headers): unknown paths, unrouted methods (405 for every
 * registry path), X-RateLimit-*, X-Request-Id, Cache-Control.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import { apiRoutes } from '../../src/routes.js';
import type { AnyRoute } from '../../src/http/define-route.js';
import { UUID_V4 } from '../support/shapes.js';
import { concreteUrl } from '../support/concrete-urls.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const NOT_FOUND = { error: 'not_found', message: 'The requested resource was not found.' };
const ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function expectRateLimitHeaders(response: TestResponse, what: string): void {
  const now = Math.floor(Date.now() / 1000);
  expect(response.headers['x-ratelimit-limit'], what).toBe('1000000');
  const remaining = Number(response.headers['x-ratelimit-remaining']);
  expect(Number.isInteger(remaining) && remaining >= 0 && remaining <= 1000000, what).toBe(true);
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(String(response.headers['x-ratelimit-reset']), what).toMatch(/^\d+$/);
  expect(reset, what).toBeGreaterThanOrEqual(now);
  expect(reset, what).toBeLessThanOrEqual(now + 61);
}

describe('unknown paths', () => {
  it('answers 404 not_found for unknown paths, with or without a token', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    for (const url of ['/api/v1/nope', '/api/v1/conversations/1/nope/2', '/api/v1', '/api/v2/conversations', '/nope']) {
      for (const token of [seed.access_token, null]) {
        const response = await h.request({ url, token });
        expect(response.status, url).toBe(404);
        expect(response.json, url).toEqual(NOT_FOUND);
        expect(Object.keys(response.json)).toEqual(['error', 'message']);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      }
    }
  });
});

describe('unrouted methods', () => {
  const byPath = new Map<string, string[]>();
  for (const route of apiRoutes as AnyRoute[]) byPath.set(route.url, [...(byPath.get(route.url) ?? []), route.method]);

  // A concrete path can match several patterns (`…/messages/media` also fits `…/messages/:messageId`), and Allow
  // lists the methods of every pattern that matches it.
  const patternOf = (url: string) => new RegExp(`^${url.replace(/:\w+/g, '[^/]+')}$`);
  const methodsMatching = (concrete: string) => (apiRoutes as AnyRoute[]).filter((route) => patternOf(route.url).test(concrete)).map((route) => route.method);

  for (const [path] of byPath) {
    const concrete = path.replace(/:\w+/g, '1');
    const methods: string[] = methodsMatching(concrete);
    const allowed = ORDER.filter((method) => methods.includes(method));
    const unrouted = ORDER.filter((method) => !methods.includes(method));
    it(`${path}: ${unrouted.join(', ')} answer 405 with Allow: ${allowed.join(', ')}`, async () => {
      const seed = await h.seedTenant({ conversations: 1 });
      const url = await concreteUrl(h, seed, path);
      for (const method of unrouted) {
        for (const [token, target] of [
          [seed.access_token, url],
          [null, url],
          [seed.access_token, `${url}/`],
        ] as const) {
          const response = await h.request({ method, url: target, token });
          expect(response.status, `${method} ${target}`).toBe(405);
          expect(response.headers.allow).toBe(allowed.join(', '));
          expect(response.json).toEqual({
            error: 'method_not_allowed',
            message: `The ${method} method is not supported for this route. Supported methods: ${allowed.join(', ')}.`,
          });
          expectRateLimitHeaders(response, `${method} ${target}`);
        }
      }
    });
  }

  it('DELETE /api/v1/conversations names GET and POST', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await h.request({ method: 'DELETE', url: '/api/v1/conversations', token: seed.access_token });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
    expect(response.json).toEqual({ error: 'method_not_allowed', message: 'The DELETE method is not supported for this route. Supported methods: GET, POST.' });
  });

  it('HEAD is implied by GET', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const response = await h.request({ method: 'HEAD', url: '/api/v1/conversations', token: seed.access_token });
    expect(response.status).toBe(200);
  });
});

describe('common headers', () => {
  it('every /api/v1 answer carries X-RateLimit-*, no-store, nosniff and JSON, successes and errors alike', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const requests: Array<[string, Parameters<Harness['request']>[0]]> = [
      ['200', { url: '/api/v1/conversations', token: seed.access_token }],
      ['422', { url: '/api/v1/conversations?per_page=0', token: seed.access_token }],
      ['401', { url: '/api/v1/conversations' }],
      ['401 invalid', { url: '/api/v1/conversations', token: 'junk' }],
      ['403', { url: '/api/v1/conversations', token: seed.access_token, tenant: 999999999 }],
      ['400', { url: '/api/v1/conversations', token: seed.access_token, tenant: 'abc' }],
      ['404', { url: '/api/v1/unknown', token: seed.access_token }],
      ['404 no token', { url: '/api/v1/unknown' }],
      ['405', { method: 'PATCH', url: '/api/v1/conversations', token: seed.access_token }],
    ];
    for (const [what, options] of requests) {
      const response = await h.request(options);
      expectRateLimitHeaders(response, what);
      expect(response.headers['cache-control'], what).toBe('no-store');
      expect(response.headers['x-content-type-options'], what).toBe('nosniff');
      expect(response.headers['content-type'], what).toBe('application/json; charset=utf-8');
      expect(response.headers['x-request-id'], what).toMatch(UUID_V4);
    }
  });

  it('X-RateLimit-Remaining counts down per token and tenant', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const first = await h.request({ url: '/api/v1/conversations', token: seed.access_token });
    const second = await h.request({ url: '/api/v1/channels', token: seed.access_token });
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    expect(Number(second.headers['x-ratelimit-reset'])).toBe(Number(first.headers['x-ratelimit-reset']));
    const otherToken = await h.token(seed.user_id);
    const fresh = await h.request({ url: '/api/v1/conversations', token: otherToken });
    expect(fresh.headers['x-ratelimit-remaining']).toBe('999999');
  });

  it('echoes a valid X-Request-Id and replaces an invalid one with a UUID v4, on every prefix', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const valid = ['req-123_abc.DEF:9', 'a'.repeat(128), 'x'];
    const invalid = ['a'.repeat(129), 'has space', 'semi;colon', 'slash/id', ''];
    for (const url of ['/api/v1/conversations', '/api/v1/nope', '/health']) {
      for (const id of valid) {
        const response = await h.request({ url, token: seed.access_token, headers: { 'x-request-id': id } });
        expect(response.headers['x-request-id'], `${url} ${id}`).toBe(id);
      }
      for (const id of invalid) {
        const response = await h.request({ url, token: seed.access_token, headers: { 'x-request-id': id } });
        expect(response.headers['x-request-id'], `${url} ${JSON.stringify(id)}`).toMatch(UUID_V4);
      }
      const none = await h.request({ url });
      expect(none.headers['x-request-id'], url).toMatch(UUID_V4);
    }
    const a = await h.request({ url: '/health' });
    const b = await h.request({ url: '/health' });
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});
