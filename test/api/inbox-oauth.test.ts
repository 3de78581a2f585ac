/**
 * The inbox's built-in public client `flextell-inbox` (docs/inbox.md#sign-in, docs/oauth.md): first-party (no consent
 * page), PKCE S256 required, refresh rotation with reuse detection, revocation with its client_id, sign-out back to
 * /app, and nothing of it with FLEXTELL_INBOX=false.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { createHarness } from '../support/harness.js';
import { hiddenValue, listen, listeningHarness, logIn, TestBrowser } from '../support/oauth-browser.js';
import { pkcePair } from '../support/oauth.js';

const SCOPES = 'conversations:read conversations:write customers:read customers:write blacklist:write account:read';

let h: Harness;
let base: string;
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

function authorizeUrl(fields: Record<string, string>): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'flextell-inbox',
    redirect_uri: `${base}/app/callback`,
    scope: SCOPES,
    state: 'inbox-state',
    code_challenge_method: 'S256',
    ...fields,
  });
  return `/oauth/authorize?${query.toString()}`;
}

async function tokenCall(fields: Record<string, string>): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'flextell-inbox', ...fields }).toString(),
  });
  return { status: response.status, json: await response.json() };
}

/** Signs a browser in and runs the authorization request: the code of the 302 to the callback. */
async function signedInCode(): Promise<{ code: string; verifier: string; email: string; browser: TestBrowser; location: URL }> {
  const seed = await h.seedTenant();
  const browser = new TestBrowser(base);
  const { verifier, challenge } = pkcePair();
  const url = authorizeUrl({ code_challenge: challenge });
  const first = await browser.get(url);
  expect(first.response.status).toBe(302);
  expect(first.response.headers.get('location')).toMatch(/^\/oauth\/login\?return_to=/);
  const login = await logIn(browser, seed.email, seed.password, url);
  expect(login.status).toBe(303);
  const { response } = await browser.get(url);
  // First-party: no consent page, the code at once.
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  return { code: location.searchParams.get('code') ?? '', verifier, email: seed.email, browser, location };
}

describe('flextell-inbox', () => {
  it('signs in without a consent page; the code and verifier buy tokens the API accepts', async () => {
    const { code, verifier, location } = await signedInCode();
    expect(`${location.origin}${location.pathname}`).toBe(`${base}/app/callback`);
    expect(location.searchParams.get('state')).toBe('inbox-state');
    const token = await tokenCall({ grant_type: 'authorization_code', code, redirect_uri: `${base}/app/callback`, code_verifier: verifier });
    expect(token.status).toBe(200);
    expect(token.json).toMatchObject({ token_type: 'Bearer', scope: SCOPES, refresh_token: expect.any(String) });
    const tenants = await fetch(`${base}/api/v1/account/tenants`, { headers: { authorization: `Bearer ${token.json.access_token}` } });
    expect(tenants.status).toBe(200);
  });

  it('rotates refresh tokens, and a reused one revokes the family', async () => {
    const { code, verifier } = await signedInCode();
    const first = await tokenCall({ grant_type: 'authorization_code', code, redirect_uri: `${base}/app/callback`, code_verifier: verifier });
    const second = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    const reused = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect([reused.status, reused.json.error]).toEqual([400, 'invalid_grant']);
    const afterReuse = await tokenCall({ grant_type: 'refresh_token', refresh_token: second.json.refresh_token });
    expect([afterReuse.status, afterReuse.json.error]).toEqual([400, 'invalid_grant']);
  });

  it('revokes with its client_id', async () => {
    const { code, verifier } = await signedInCode();
    const tokens = await tokenCall({ grant_type: 'authorization_code', code, redirect_uri: `${base}/app/callback`, code_verifier: verifier });
    const revoke = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'flextell-inbox', token: tokens.json.refresh_token }).toString(),
    });
    expect(revoke.status).toBe(200);
    const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token });
    expect(refreshed.json.error).toBe('invalid_grant');
  });

  it('requires PKCE and its one redirect URI', async () => {
    const browser = new TestBrowser(base);
    const noChallenge = await browser.get(authorizeUrl({}));
    const location = new URL(noChallenge.response.headers.get('location')!);
    expect([location.pathname, location.searchParams.get('error')]).toEqual(['/app/callback', 'invalid_request']);
    const { challenge } = pkcePair();
    const elsewhere = await browser.get(authorizeUrl({ code_challenge: challenge, redirect_uri: 'http://127.0.0.1:9/app/callback' }));
    expect(elsewhere.response.status).toBe(400);
    const secret = await tokenCall({ grant_type: 'refresh_token', refresh_token: 'x', client_secret: 'guess' });
    expect([secret.status, secret.json.error]).toEqual([401, 'invalid_client']);
  });

  it('is not listed among the applications', async () => {
    const seed = await h.seedTenant();
    const list = await fetch(`${base}/api/v1/applications`, { headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id) } });
    const body = (await list.json()) as { data: Array<{ client_id: string }> };
    expect(body.data.map((application) => application.client_id)).not.toContain('flextell-inbox');
  });

  it('signs out back to the inbox with return_to=/app; other return_to values are ignored', async () => {
    const { browser } = await signedInCode();
    for (const [returnTo, expected] of [
      ['/app', '/app'],
      ['//evil.example/app', '/oauth/login'],
      ['https://evil.example/', '/oauth/login'],
      ['/app/t/1', '/app/t/1'],
    ] as const) {
      const page = await browser.get('/app');
      const csrf = /flextell-csrf" content="([^"]+)"/.exec(page.html)?.[1] ?? hiddenValue((await browser.get('/oauth/login')).html, '_csrf');
      const { response } = await browser.post('/oauth/logout', { _csrf: csrf, return_to: returnTo });
      expect([response.status, response.headers.get('location')], returnTo).toEqual([303, expected]);
    }
  });
});

describe('with FLEXTELL_INBOX=false', () => {
  it('the client is unknown at /oauth/authorize and /oauth/token', async () => {
    const off = await createHarness({ FLEXTELL_INBOX: 'false' });
    try {
      const offBase = await listen(off);
      const { challenge } = pkcePair();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'flextell-inbox',
        redirect_uri: `${offBase}/app/callback`,
        code_challenge: challenge,
      });
      const page = await fetch(`${offBase}/oauth/authorize?${query.toString()}`, { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('This application is not known.');
      const token = await fetch(`${offBase}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&refresh_token=x&client_id=flextell-inbox',
      });
      expect([token.status, ((await token.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    } finally {
      await off.close();
    }
  });
});
