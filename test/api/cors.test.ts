import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_CORS_ORIGINS: 'https://app.example.com, https://other.example.com' });
});
afterAll(async () => h?.close());

describe('CORS (docs/request-checks.md#response-headers)', () => {
  it('answers a pre-flight from an allowed origin with the allowed headers', async () => {
    const response = await h.request({
      method: 'OPTIONS',
      url: '/api/v1/conversations',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-tenant' },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(response.headers['access-control-allow-headers'])).toContain('X-Tenant');
    expect(String(response.headers['access-control-allow-headers'])).toContain('Last-Event-ID');
  });

  it('exposes the rate-limit headers to an allowed origin and ignores other origins', async () => {
    const seed = await h.seedTenant();
    const allowed = await h.request({ url: '/api/v1/conversations', token: seed.access_token, headers: { origin: 'https://other.example.com' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://other.example.com');
    expect(String(allowed.headers['access-control-expose-headers'])).toContain('X-RateLimit-Remaining');
    const stranger = await h.request({ url: '/api/v1/conversations', token: seed.access_token, headers: { origin: 'https://evil.example.com' } });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows Idempotency-Key and exposes Idempotent-Replayed (docs/idempotency.md)', async () => {
    const preflight = await h.request({
      method: 'OPTIONS',
      url: '/api/v1/customers',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
    });
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('Idempotency-Key');
    const seed = await h.seedTenant();
    const answer = await h.request({ url: '/api/v1/conversations', token: seed.access_token, headers: { origin: 'https://app.example.com' } });
    expect(String(answer.headers['access-control-expose-headers'])).toContain('Idempotent-Replayed');
  });
});
