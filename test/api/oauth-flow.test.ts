/**
 * The browser half of the authorization server over real HTTP (docs/oauth.md#authorization-endpoint, docs/oauth.md#login-and-consent-pages, README.md#oauth-20-third-party-applications): authorize → login → consent →
 * code → token → API → refresh → reuse detection, and the pages' errors, CSRF and login limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import bcrypt from 'bcryptjs';
import { sql } from '../support/factories.js';
import { createClient, pkcePair, type TestClient } from '../support/oauth.js';
import { TestBrowser, hiddenValue, listen, logIn } from '../support/oauth-browser.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_LOGIN_RATE_LIMIT: '3' });
  base = await listen(h);
});
afterAll(async () => h?.close());

async function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, json: (await response.json()) as any };
}

function authorizeUrl(client: TestClient, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: client.redirectUri, ...extra });
  return `/oauth/authorize?${query.toString()}`;
}

function redirectParams(response: Response, expectedBase: string): URLSearchParams {
  expect(response.status).toBe(302);
  const location = response.headers.get('location')!;
  expect(location.startsWith(`${expectedBase}?`), location).toBe(true);
  return new URL(location).searchParams;
}

/** Signs in and returns the consent page of a fresh authorization request. */
async function consentPage(browser: TestBrowser, seed: SeedResult, url: string): Promise<string> {
  const first = await browser.get(url);
  expect(first.response.status).toBe(302);
  const login = first.response.headers.get('location')!;
  expect(login).toBe(`/oauth/login?return_to=${encodeURIComponent(url)}`);
  const loggedIn = await logIn(browser, seed.email, seed.password, url);
  expect(loggedIn.status).toBe(303);
  expect(loggedIn.headers.get('location')).toBe(url);
  const consent = await browser.get(url);
  expect(consent.response.status, consent.html).toBe(200);
  return consent.html;
}

describe('the whole flow (README.md#oauth-20-third-party-applications)', () => {
  it('authorize → login → consent → code → token → API → refresh → old refresh reused → invalid_grant, the rotated one revoked too', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id, { confidential: false, redirectUri: 'http://127.0.0.1/callback' });
    const { verifier, challenge } = pkcePair();
    const browser = new TestBrowser(base);
    const redirectUri = 'http://127.0.0.1:8787/callback';
    const url = authorizeUrl(
      { ...client, redirectUri },
      {
        scope: 'conversations:read account:read',
        state: 'xyz 1&2',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
    );

    const html = await consentPage(browser, seed, url);
    expect(html).toContain('Test App &lt;b&gt;');
    expect(html).toContain('Read your conversations and messages');
    expect(html).toContain('See which organisations you belong to and your roles there.');
    expect(html).not.toContain('Create, update and delete customers.');
    expect(html).toContain(seed.email);
    expect(html).toContain('<button type="submit" name="decision" value="approve">');
    const [lastLogin] = await sql(h, 'SELECT last_login_at, last_login_ip FROM users WHERE id = $1', [seed.user_id]);
    expect(lastLogin!.last_login_at).not.toBeNull();
    expect(lastLogin!.last_login_ip).toBe('127.0.0.1');

    const approved = await browser.post('/oauth/authorize', {
      _csrf: hiddenValue(html, '_csrf'),
      request_id: hiddenValue(html, 'request_id'),
      decision: 'approve',
    });
    const params = redirectParams(approved.response, redirectUri);
    expect(params.get('state')).toBe('xyz 1&2');
    const code = params.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: client.clientId, code_verifier: verifier };
    const tokens = await form('/oauth/token', exchange);
    expect(tokens.status).toBe(200);
    expect(tokens.json.scope).toBe('conversations:read account:read');
    expect(tokens.json.expires_in).toBe(3600);
    const api = await fetch(new URL('/api/v1/conversations', base), { headers: { authorization: `Bearer ${tokens.json.access_token}` } });
    expect(api.status).toBe(200);
    expect((await form('/oauth/token', exchange)).json.error).toBe('invalid_grant');

    // The code's reuse above revoked that family; start a fresh one for the refresh chain.
    const html2 = await browser.get(url);
    const approved2 = await browser.post('/oauth/authorize', {
      _csrf: hiddenValue(html2.html, '_csrf'),
      request_id: hiddenValue(html2.html, 'request_id'),
      decision: 'approve',
    });
    const fresh = await form('/oauth/token', { ...exchange, code: redirectParams(approved2.response, redirectUri).get('code')! });
    const refresh = (token: string) => form('/oauth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: client.clientId });
    const rotated = await refresh(fresh.json.refresh_token);
    expect(rotated.status).toBe(200);
    const apiAfter = await fetch(new URL('/api/v1/conversations', base), { headers: { authorization: `Bearer ${rotated.json.access_token}` } });
    expect(apiAfter.status).toBe(200);
    const reused = await refresh(fresh.json.refresh_token);
    expect(reused).toEqual({ status: 400, json: expect.objectContaining({ error: 'invalid_grant' }) });
    expect((await refresh(rotated.json.refresh_token)).json.error).toBe('invalid_grant');
    const revoked = await fetch(new URL('/api/v1/conversations', base), { headers: { authorization: `Bearer ${rotated.json.access_token}` } });
    expect(revoked.status).toBe(401);
  });

  it('deny redirects with access_denied and the state, no code; the request id is single use', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id, { redirectUri: 'https://app.example.com/cb?tenant=1' });
    const browser = new TestBrowser(base);
    const html = await consentPage(browser, seed, authorizeUrl(client, { state: 's-1' }));
    const fields = { _csrf: hiddenValue(html, '_csrf'), request_id: hiddenValue(html, 'request_id') };
    const bad = await browser.post('/oauth/authorize', { ...fields, decision: 'maybe' });
    expect(bad.response.status).toBe(400);
    const denied = await browser.post('/oauth/authorize', { ...fields, decision: 'deny' });
    expect(denied.response.headers.get('location')).toBe(
      'https://app.example.com/cb?tenant=1&error=access_denied&error_description=The+user+denied+the+request.&state=s-1',
    );
    const again = await browser.post('/oauth/authorize', { ...fields, decision: 'approve' });
    expect(again.response.status).toBe(400);
    expect(again.html).toContain('This authorization request has expired. Start again from the application.');
  });
});

describe('authorize errors (docs/oauth.md#authorization-endpoint)', () => {
  it('unknown client or unregistered redirect URI → 400 page, never a redirect', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const browser = new TestBrowser(base);
    const unknown = await browser.get(authorizeUrl({ ...client, clientId: crypto.randomUUID() }));
    expect(unknown.response.status).toBe(400);
    expect(unknown.html).toContain('This application is not known.');
    const wrong = await browser.get(authorizeUrl({ ...client, redirectUri: 'https://evil.example.com/callback' }));
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('The redirect URI is not registered for this application.');
    expect(wrong.response.headers.get('x-frame-options')).toBe('DENY');
    expect(wrong.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('redirects invalid_request, unsupported_response_type and invalid_scope with the state', async () => {
    const seed = await h.seedTenant();
    const pub = await createClient(h, seed.tenant_id, { confidential: false, scopes: ['conversations:read'] });
    const browser = new TestBrowser(base);
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'invalid_request'],
      [{ code_challenge: pkcePair().challenge, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ code_challenge: pkcePair().challenge, response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge: pkcePair().challenge, scope: 'customers:read' }, 'invalid_scope'],
      [{ code_challenge: pkcePair().challenge, scope: 'bogus' }, 'invalid_scope'],
    ];
    for (const [extra, error] of cases) {
      const { response } = await browser.get(authorizeUrl(pub, { state: 'st', ...extra }));
      const params = redirectParams(response, pub.redirectUri);
      expect(params.get('error'), JSON.stringify(extra)).toBe(error);
      expect(params.get('error_description')).toBeTruthy();
      expect(params.get('state')).toBe('st');
      expect(params.get('code')).toBeNull();
    }
    const repeated = await browser.get(`${authorizeUrl(pub, { code_challenge: pkcePair().challenge })}&state=a&state=b`);
    expect(redirectParams(repeated.response, pub.redirectUri).get('error')).toBe('invalid_request');
  });
});

describe('login page (docs/oauth.md#login-and-consent-pages, docs/oauth.md#login-limits)', () => {
  it('a POST without the CSRF token, with a wrong one, or from a foreign Origin → 403 and no login', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    const page = await browser.get('/oauth/login');
    expect(page.response.headers.get('set-cookie')).toMatch(/^flextell_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=\/$/);
    const csrf = hiddenValue(page.html, '_csrf');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const credentials = { email: seed.email, password: seed.password };
    for (const [fields, headers] of [
      [credentials, {}],
      [{ ...credentials, _csrf: 'x'.repeat(43) }, {}],
      [{ ...credentials, _csrf: csrf }, { origin: 'https://evil.example.com' }],
    ] as Array<[Record<string, string>, Record<string, string>]>) {
      const { response, html } = await browser.post('/oauth/login', fields, headers);
      expect(response.status).toBe(403);
      expect(html).toContain('This form has expired. Go back, reload the page and try again.');
    }
    const [user] = await sql(h, 'SELECT last_login_at FROM users WHERE id = $1', [seed.user_id]);
    expect(user!.last_login_at).toBeNull();
    // `Origin: null` (what Chromium sends under Referrer-Policy: no-referrer) leaves the decision to the token.
    const opaque = await browser.post('/oauth/login', { ...credentials, _csrf: csrf }, { origin: 'null' });
    expect(opaque.response.status).toBe(303);
    // No cookie at all: a fresh browser has no session.
    const stranger = await new TestBrowser(base).post('/oauth/login', { ...credentials, _csrf: csrf });
    expect(stranger.response.status).toBe(403);
  });

  it('wrong password → 401 with the email kept; after the limit even the right password → 429; login replaces the session id', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    const csrfOf = async () => hiddenValue((await browser.get('/oauth/login')).html, '_csrf');
    const csrf = await csrfOf();
    const firstCookie = browser.cookie('flextell_session');
    for (let attempt = 0; attempt < 3; attempt++) {
      const { response, html } = await browser.post('/oauth/login', { email: seed.email.toUpperCase(), password: 'wrong', _csrf: csrf });
      expect(response.status).toBe(401);
      expect(html).toContain('These credentials do not match our records.');
      expect(html).toContain(`value="${seed.email.toUpperCase()}"`);
    }
    const limited = await browser.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: csrf });
    expect(limited.response.status).toBe(429);
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    h.clock.advance(15 * 60);
    const ok = await browser.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: csrf });
    expect(ok.response.status).toBe(303);
    expect(ok.response.headers.get('location')).toBe('/oauth/login');
    expect(browser.cookie('flextell_session')).not.toBe(firstCookie);
    const signedIn = await browser.get('/oauth/login');
    expect(signedIn.html).toContain('You are signed in.');
    expect(hiddenValue(signedIn.html, '_csrf')).not.toBe(csrf);
  });

  it('return_to is followed only for /oauth/ paths; logout ends the session', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    const response = await logIn(browser, seed.email, seed.password, '//evil.example.com/oauth/x');
    expect(response.headers.get('location')).toBe('/oauth/login');
    const page = await browser.get('/oauth/login');
    const out = await browser.post('/oauth/logout', { _csrf: hiddenValue(page.html, '_csrf') });
    expect(out.response.status).toBe(303);
    const client = await createClient(h, seed.tenant_id);
    const after = await browser.get(authorizeUrl(client));
    expect(after.response.headers.get('location')).toMatch(/^\/oauth\/login\?return_to=/);
  });

  it('a legacy bcrypt ($2y$) hash signs in once and is replaced by argon2id', async () => {
    const seed = await h.seedTenant();
    const legacy = bcrypt.hashSync('laravel-secret', 4).replace(/^\$2b\$/, '$2y$');
    await h.deps.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [seed.user_id, legacy]);
    expect((await logIn(new TestBrowser(base), seed.email, 'wrong')).status).toBe(401);
    expect((await logIn(new TestBrowser(base), seed.email, 'laravel-secret')).status).toBe(303);
    const [row] = await sql(h, 'SELECT password_hash FROM users WHERE id = $1', [seed.user_id]);
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect((await logIn(new TestBrowser(base), seed.email, 'laravel-secret')).status).toBe(303);
  });

  it('an account without an active membership cannot sign in', async () => {
    const seed = await h.seedTenant();
    await h.deps.db.query('UPDATE memberships SET is_active = false WHERE user_id = $1', [seed.user_id]);
    const response = await logIn(new TestBrowser(base), seed.email, seed.password);
    expect(response.status).toBe(401);
  });
});
