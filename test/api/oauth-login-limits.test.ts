/**
 * Login limits beyond the (email, IP) pair of docs/oauth.md#login-limits: per client IP (5 × FLEXTELL_LOGIN_RATE_LIMIT failures in 15 minutes)
 * and per account (3 ×), each answered by the 429 page with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { hiddenValue } from '../support/oauth-browser.js';

let h: Harness;
beforeAll(async () => {
  // Pair limit 2, so the IP limit is 10 and the account limit 6.
  h = await createHarness({ FLEXTELL_LOGIN_RATE_LIMIT: '2' });
});
afterAll(async () => h?.close());

/** Signs in from a peer address of its own (no TRUST_PROXY: the socket address is the client IP). */
async function attempt(ip: string, email: string, password: string) {
  const page = await h.app.inject({ method: 'GET', url: '/oauth/login', remoteAddress: ip, headers: { host: '127.0.0.1:8080' } });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const response = await h.app.inject({
    method: 'POST',
    url: '/oauth/login',
    remoteAddress: ip,
    headers: { host: '127.0.0.1:8080', cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: hiddenValue(page.body, '_csrf') }).toString(),
  });
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: response.body, type: String(response.headers['content-type']) };
}

function expectLimited(result: Awaited<ReturnType<typeof attempt>>, retryAfter: number): void {
  expect(result.status).toBe(429);
  expect(result.type).toContain('text/html');
  expect(result.retryAfter).toBe(String(retryAfter));
  expect(result.body).toContain(`Too many failed sign-in attempts. Try again in ${retryAfter} seconds.`);
}

describe('login limits per IP and per account', () => {
  it('one address failing on many accounts is stopped after 10 failures, even with the right password; other addresses are not', async () => {
    const seed = await h.seedTenant();
    for (let index = 0; index < 10; index++) {
      expect((await attempt('198.51.100.1', `nobody${index}@example.com`, 'guess')).status).toBe(401);
    }
    expectLimited(await attempt('198.51.100.1', seed.email, seed.password), 900);
    expectLimited(await attempt('198.51.100.1', 'someone-new@example.com', 'guess'), 900);
    expect((await attempt('198.51.100.2', seed.email, seed.password)).status).toBe(303);
    h.clock.advance(899);
    expectLimited(await attempt('198.51.100.1', seed.email, seed.password), 1);
    h.clock.advance(1);
    expect((await attempt('198.51.100.1', seed.email, seed.password)).status).toBe(303);
  });

  it('one account failing from many addresses is stopped after 6 failures; the wait ends when enough failures left the window', async () => {
    const seed = await h.seedTenant();
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expect((await attempt(ip, seed.email, 'guess')).status).toBe(401);
      h.clock.advance(60);
      expect((await attempt(ip, seed.email.toUpperCase(), 'guess')).status).toBe(401);
      h.clock.advance(60);
    }
    // The first failure leaves the window 15 minutes after it: 900 − 6 × 60 seconds from now.
    expectLimited(await attempt('203.0.113.4', seed.email, seed.password), 540);
    // Another account from the same address is not affected.
    const other = await h.seedTenant();
    expect((await attempt('203.0.113.4', other.email, other.password)).status).toBe(303);
    h.clock.advance(540);
    expect((await attempt('203.0.113.4', seed.email, seed.password)).status).toBe(303);
    // The success cleared the account's count: six more failures are needed before it is stopped again.
    for (let index = 0; index < 5; index++) expect((await attempt(`203.0.114.${index}`, seed.email, 'guess')).status).toBe(401);
    expect((await attempt('203.0.113.9', seed.email, seed.password)).status).toBe(303);
  });

  it('a successful login does not reset the address count', async () => {
    const seed = await h.seedTenant();
    for (let index = 0; index < 9; index++) expect((await attempt('192.0.2.7', `x${index}@example.com`, 'guess')).status).toBe(401);
    expect((await attempt('192.0.2.7', seed.email, seed.password)).status).toBe(303);
    expect((await attempt('192.0.2.7', 'x9@example.com', 'guess')).status).toBe(401);
    expectLimited(await attempt('192.0.2.7', seed.email, seed.password), 900);
  });
});
