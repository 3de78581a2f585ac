/**
 * Rate limiting (docs/request-checks.md#rate-limiting) with FLEXTELL_RATE_LIMIT_PER_MINUTE=3: 429 on the 4th request of a (token, tenant) key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import { listConversations } from '../support/requests.js';
import { addMembership, sql } from '../support/factories.js';
import type { MemoryRateLimitStore } from '../../src/http/rate-limit.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_RATE_LIMIT_PER_MINUTE: '3' });
});
afterAll(async () => h?.close());

function expectLimited(response: TestResponse): void {
  expect(response.status, response.body).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(String(response.headers['retry-after'])).toMatch(/^\d+$/);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.json).toEqual({ error: 'rate_limit_exceeded', message: `Too many requests. Retry after ${retryAfter} seconds.` });
  expect(response.headers['x-ratelimit-remaining']).toBe('0');
  expect(response.headers['x-ratelimit-limit']).toBe('3');
  const now = Math.floor(Date.now() / 1000);
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(reset).toBeGreaterThanOrEqual(now);
  expect(reset).toBeLessThanOrEqual(now + 61);
}

describe('rate limit of 3 per minute', () => {
  it('answers the 4th request of a token 429; another token of the same user is not limited', async () => {
    const seed = await h.seedTenant({ conversations: 1 });
    const remaining: string[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await h.request({ url: '/api/v1/conversations', token: seed.access_token });
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(String(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expectLimited(await h.request({ url: '/api/v1/conversations', token: seed.access_token }));
    expectLimited(await h.request({ url: '/api/v1/channels', token: seed.access_token }));
    const other = await h.token(seed.user_id);
    const fresh = await h.request({ url: '/api/v1/conversations', token: other });
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('keys by (token, tenant): the same token in another tenant has its own window', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const second = await h.seedTenant({ conversations: 0 });
    await addMembership(h, second.tenant_id, seed.user_id, ['Owner']);
    const token = await h.token(seed.user_id);
    for (let index = 0; index < 3; index++) {
      expect((await h.request({ url: '/api/v1/conversations', token, tenant: seed.tenant_id })).status).toBe(200);
    }
    expectLimited(await h.request({ url: '/api/v1/conversations', token, tenant: seed.tenant_id }));
    const elsewhere = await h.request({ url: '/api/v1/conversations', token, tenant: second.tenant_id });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers['x-ratelimit-remaining']).toBe('2');
    // Leading zeros name the same tenant, hence the same key.
    expectLimited(await h.request({ url: '/api/v1/conversations', token, tenant: `0${seed.tenant_id}` }));
  });

  it('a 429 performs nothing', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const token = await h.token(seed.user_id);
    for (let index = 0; index < 3; index++) expect((await listConversations(h, { ...seed, access_token: token })).status).toBe(200);
    const response = await h.request({ method: 'POST', url: '/api/v1/conversations', token, body: { channel_id: seed.channels.website, address: 'limited' } });
    expectLimited(response);
    const rows = await sql(h, 'SELECT count(*)::int AS n FROM conversations WHERE tenant_id = $1', [seed.tenant_id]);
    expect(rows[0]!.n).toBe(0);
  });

  it('counts requests answered before the limit check (404) without refusing them', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const token = await h.token(seed.user_id);
    for (let index = 0; index < 4; index++) {
      const response = await h.request({ url: '/api/v1/nothing-here', token });
      expect(response.status).toBe(404);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(Math.max(0, 2 - index)));
    }
    expectLimited(await h.request({ url: '/api/v1/conversations', token }));
  });

  it("counts failed tenant checks in the token's own bucket, so junk X-Tenant values mint no counters", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const token = await h.token(seed.user_id);
    const store = h.deps.limiter.store as MemoryRateLimitStore;
    const before = store.size;
    const junk = ['x'.repeat(4000), 'abc', '999999999', '-1', `0${seed.tenant_id}x`];
    for (const [index, tenant] of junk.entries()) {
      const response = await h.request({ url: '/api/v1/conversations', token, tenant });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(429);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(Math.max(0, 2 - index)));
    }
    expect(store.size).toBe(before + 1);
    // The tenant-less bucket they filled is the one GET /account/tenants uses.
    expectLimited(await h.request({ url: '/api/v1/account/tenants', token }));
  });

  it('keys requests without a valid token by client IP and never answers them 429', async () => {
    const remaining: string[] = [];
    for (let index = 0; index < 5; index++) {
      const response = await h.request({ url: '/api/v1/conversations' });
      expect(response.status).toBe(401);
      expect(response.json.error).toBe('unauthorized');
      remaining.push(String(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0', '0', '0']);
  });

  it('checks the limit after the tenant and before the scope (docs/request-checks.md#order-of-checks)', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const narrow = await h.token(seed.user_id, { scopes: ['account:read'] });
    for (let index = 0; index < 3; index++) {
      expect((await h.request({ url: '/api/v1/conversations', token: narrow })).json.error).toBe('insufficient_scope');
    }
    expectLimited(await h.request({ url: '/api/v1/conversations', token: narrow }));
    const token = await h.token(seed.user_id);
    for (let index = 0; index < 5; index++) {
      const response = await h.request({ url: '/api/v1/conversations', token, tenant: 999999999 });
      expect(response.json.error).toBe('tenant_forbidden');
    }
  });

  it('limits a route without tenant (GET /account/tenants) per token', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const token = await h.token(seed.user_id);
    for (let index = 0; index < 3; index++) expect((await h.request({ url: '/api/v1/account/tenants', token })).status).toBe(200);
    expectLimited(await h.request({ url: '/api/v1/account/tenants', token }));
  });

  it('does not limit /health', async () => {
    for (let index = 0; index < 6; index++) {
      const response = await h.request({ url: '/health' });
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ status: 'ok' });
    }
  });
});
