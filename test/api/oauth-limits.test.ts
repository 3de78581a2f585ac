/**
 * Limits and lifetimes of the authorization server: the shared per-IP counter of the token, revocation and
 * introspection endpoints (docs/oauth.md#endpoints), session lifetimes (docs/oauth.md#login-and-consent-pages), a password change (docs/oauth.md#login-and-consent-pages, docs/oauth.md#refresh-tokens), and 405 pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { bodyCredentials, createClient, expectOAuthError, insertCode, postForm } from '../support/oauth.js';
import { TestBrowser, listen, logIn } from '../support/oauth-browser.js';
import { setPassword } from '../../src/modules/users/password.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_RATE_LIMIT_PER_MINUTE: '4' });
  base = await listen(h);
});
afterAll(async () => h?.close());

describe('limits and lifetimes', () => {
  it('token, revoke and introspect share one counter per client IP; over it → 429 with Retry-After', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    // Without TRUST_PROXY the socket address counts: a peer address of its own keeps this counter apart.
    const send = (url: string, fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url,
        remoteAddress: '203.0.113.9',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    expect((await send('/oauth/token', { grant_type: 'client_credentials', ...bodyCredentials(client) })).statusCode).toBe(200);
    expect((await send('/oauth/revoke', { token: 'x', ...bodyCredentials(client) })).statusCode).toBe(200);
    expect((await send('/oauth/introspect', { token: 'x', ...bodyCredentials(client) })).statusCode).toBe(200);
    expect((await send('/oauth/token', { grant_type: 'nope' })).statusCode).toBe(400);
    const limited = await send('/oauth/introspect', { token: 'x', ...bodyCredentials(client) });
    expect(limited.statusCode).toBe(429);
    const body = limited.json();
    expect(Object.keys(body)).toEqual(['error', 'error_description', 'message']);
    expect(body.error).toBe('rate_limit_exceeded');
    expect(body.error_description).toMatch(/^Too many requests\. Retry after \d+ seconds\.$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has its own counter.
    expect((await postForm(h, '/oauth/token', { grant_type: 'client_credentials', ...bodyCredentials(client) })).status).toBe(200);
  });

  it('a session ends after 2 hours idle; a password change ends sessions and refresh tokens', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const authorize = `/oauth/authorize?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent(client.redirectUri)}`;
    const browser = new TestBrowser(base);
    expect((await logIn(browser, seed.email, seed.password)).status).toBe(303);
    h.clock.advance(2 * 3600 - 1);
    expect((await browser.get(authorize)).response.status).toBe(200);
    h.clock.advance(2 * 3600 - 1);
    expect((await browser.get(authorize)).response.status).toBe(200);
    h.clock.advance(2 * 3600);
    expect((await browser.get(authorize)).response.headers.get('location')).toMatch(/^\/oauth\/login\?return_to=/);

    expect((await logIn(browser, seed.email, seed.password)).status).toBe(303);
    const tokens = await postForm(h, '/oauth/token', {
      grant_type: 'authorization_code',
      code: await insertCode(h, client, seed.user_id),
      redirect_uri: client.redirectUri,
      ...bodyCredentials(client),
    });
    await setPassword(h.deps, seed.email, 'a new password 123');
    expect((await browser.get(authorize)).response.headers.get('location')).toMatch(/^\/oauth\/login\?return_to=/);
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
    );
    expect((await logIn(browser, seed.email, 'a new password 123')).status).toBe(303);
  });

  it('a session ends 12 hours after it started, however active', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    expect((await logIn(browser, seed.email, seed.password)).status).toBe(303);
    for (let hour = 0; hour < 11; hour++) {
      h.clock.advance(3600);
      expect((await browser.get('/oauth/login')).html).toContain('You are signed in.');
    }
    h.clock.advance(3600);
    expect((await browser.get('/oauth/login')).html).not.toContain('You are signed in.');
  });

  it('an oversized body: an HTML 413 page on the pages, an OAuth invalid_request on the token endpoint', async () => {
    const payload = `email=${'a'.repeat(1_100_000)}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const page = await h.request({ method: 'POST', url: '/oauth/login', headers, payload });
    expect(page.status).toBe(413);
    expect(String(page.headers['content-type'])).toContain('text/html');
    expectOAuthError(await h.request({ method: 'POST', url: '/oauth/token', headers, payload }), 400, 'invalid_request', 'The request body is too large.');
  });

  it('a method a page does not take → 405 HTML page with Allow', async () => {
    const response = await h.request({ method: 'DELETE', url: '/oauth/login' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, POST');
    expect(String(response.headers['content-type'])).toContain('text/html');
    expect((await h.request({ method: 'GET', url: '/oauth/logout' })).headers.allow).toBe('POST');
  });
});
