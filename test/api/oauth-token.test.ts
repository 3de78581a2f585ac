/**
 * The token endpoint (docs/oauth.md#grants, docs/oauth.md#refresh-tokens, docs/oauth.md#endpoints): client authentication, the three grants, rotation and reuse
 * detection, and the tokens it issues working (or not) on the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { jwtHeader, jwtPayload } from '../support/shapes.js';
import { expectError } from '../support/assertions.js';
import {
  basic,
  bodyCredentials,
  createClient,
  expectOAuthError,
  expectTokenResponse,
  insertCode,
  pkcePair,
  postForm,
  type TestClient,
} from '../support/oauth.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const ALL = 'conversations:read conversations:write customers:read customers:write users:read users:write blacklist:write channels:write account:read';
const token = (fields: Record<string, string>, headers?: Record<string, string>) => postForm(h, '/oauth/token', fields, headers);
const listConversations = (accessToken: string, tenant?: number) => h.request({ url: '/api/v1/conversations', token: accessToken, tenant });

async function setup(options: { confidential?: boolean; secret?: string } = {}) {
  const seed = await h.seedTenant();
  const client = await createClient(h, seed.tenant_id, options);
  return { seed, client };
}

function exchange(client: TestClient, code: string, extra: Record<string, string> = {}) {
  return token({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, ...bodyCredentials(client), ...extra });
}

describe('request checks (docs/oauth.md#endpoints)', () => {
  it('refuses other content types, repeated parameters, a missing or unknown grant_type before authenticating the client', async () => {
    const json = await h.request({ method: 'POST', url: '/oauth/token', body: { grant_type: 'client_credentials' } });
    expectOAuthError(json, 400, 'invalid_request', 'Use application/x-www-form-urlencoded.');
    const none = await h.request({ method: 'POST', url: '/oauth/token' });
    expectOAuthError(none, 400, 'invalid_request', 'Use application/x-www-form-urlencoded.');
    const twice = await h.request({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expectOAuthError(twice, 400, 'invalid_request', 'The grant_type parameter was sent more than once.');
    expectOAuthError(await token({}), 400, 'invalid_request', 'The request is missing the grant_type parameter.');
    expectOAuthError(await token({ grant_type: 'password', client_id: 'nobody' }), 400, 'unsupported_grant_type');
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: 'nobody' }), 401, 'invalid_client');
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: 'personal' }), 401, 'invalid_client');
  });
});

describe('client authentication (docs/oauth.md#grants)', () => {
  it('Basic credentials are URL-decoded (RFC 6749 §2.3.1), so secrets with reserved characters work', async () => {
    const secret = 'p@ss:w rd+/%é&=x';
    const { client } = await setup({ secret });
    const ok = await token({ grant_type: 'client_credentials' }, { authorization: basic(client.clientId, secret) });
    expectTokenResponse(ok, false, ALL);
    // The same secret sent without the form-encoding step does not decode to the secret.
    const raw = `Basic ${Buffer.from(`${client.clientId}:p@ss:w+rd%2B/x`).toString('base64')}`;
    expectOAuthError(await token({ grant_type: 'client_credentials' }, { authorization: raw }), 401, 'invalid_client');
  });

  it('a wrong secret, a missing secret, both Basic and body secret, or a different body client_id → 401 invalid_client', async () => {
    const { client } = await setup();
    const id = client.clientId;
    const secret = client.secret!;
    const cases: Array<[Record<string, string>, Record<string, string>]> = [
      [{ client_id: id, client_secret: 'wrong' }, {}],
      [{ client_id: id }, {}],
      [{}, { authorization: basic(id, 'wrong') }],
      [{ client_secret: secret }, { authorization: basic(id, secret) }],
      [{ client_id: crypto.randomUUID() }, { authorization: basic(id, secret) }],
      [{}, { authorization: 'Basic !!!' }],
    ];
    for (const [fields, headers] of cases) {
      expectOAuthError(await token({ grant_type: 'client_credentials', ...fields }, headers), 401, 'invalid_client', 'Client authentication failed.');
    }
    // A body client_id equal to the Basic user name is accepted.
    expectTokenResponse(await token({ grant_type: 'client_credentials', client_id: id }, { authorization: basic(id, secret) }), false, ALL);
  });

  it('a public client that sends a secret → invalid_client; asking for client_credentials → unauthorized_client', async () => {
    const { client } = await setup({ confidential: false });
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'x' }), 401, 'invalid_client');
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: client.clientId }), 400, 'unauthorized_client');
  });

  it('a deleted application can no longer authenticate', async () => {
    const { client } = await setup();
    await h.deps.db.query('UPDATE oauth_clients SET deleted_at = now() WHERE client_id = $1', [client.clientId]);
    expectOAuthError(await token({ grant_type: 'client_credentials', ...bodyCredentials(client) }), 401, 'invalid_client');
  });
});

describe('authorization_code (docs/oauth.md#grants)', () => {
  it('issues an RS256 JWT the API accepts, with the claims of docs/oauth.md#access-tokens and expires_in exactly 3600', async () => {
    const { seed, client } = await setup();
    const code = await insertCode(h, client, seed.user_id, { scopes: ['conversations:read', 'customers:read'] });
    const response = await exchange(client, code);
    expectTokenResponse(response, true, 'conversations:read customers:read');
    const header = jwtHeader(response.json.access_token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: h.deps.tokens.publicJwks()[0]!.kid });
    const claims = jwtPayload(response.json.access_token);
    expect(claims).toMatchObject({ sub: String(seed.user_id), aud: client.clientId, client_id: client.clientId, scope: 'conversations:read customers:read' });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f]{64}$/);
    expect(claims.tenant).toBeUndefined();
    expect((await listConversations(response.json.access_token)).status).toBe(200);
  });

  it('PKCE: required for public clients; a mismatch, a missing or an unexpected verifier → invalid_grant; malformed → invalid_request', async () => {
    const { seed, client } = await setup({ confidential: false });
    const { verifier, challenge } = pkcePair();
    const code = await insertCode(h, client, seed.user_id, { challenge });
    expectOAuthError(await exchange(client, code), 400, 'invalid_grant', 'The code_verifier is required for this authorization code.');
    expectOAuthError(
      await exchange(client, code, { code_verifier: pkcePair().verifier }),
      400,
      'invalid_grant',
      'The code_verifier does not match the code challenge.',
    );
    expectOAuthError(await exchange(client, code, { code_verifier: 'short' }), 400, 'invalid_request');
    expectOAuthError(await exchange(client, code, { code_verifier: `${verifier.slice(0, 50)}!` }), 400, 'invalid_request');
    // None of the failures used the code up.
    expectTokenResponse(await exchange(client, code, { code_verifier: verifier }), true, ALL);

    const plain = await insertCode(h, client, seed.user_id);
    expectOAuthError(
      await exchange(client, plain, { code_verifier: verifier }),
      400,
      'invalid_grant',
      'The authorization request did not carry a code challenge.',
    );
  });

  it('a different redirect_uri, another client, a missing parameter, an unknown code → errors; the code still works after', async () => {
    const { seed, client } = await setup();
    const other = await createClient(h, seed.tenant_id);
    const code = await insertCode(h, client, seed.user_id);
    expectOAuthError(
      await exchange(client, code, { redirect_uri: 'https://app.example.com/callback/' }),
      400,
      'invalid_grant',
      'The redirect_uri does not match the one of the authorization request.',
    );
    expectOAuthError(await exchange(other, code), 400, 'invalid_grant', 'The authorization code is invalid.');
    expectOAuthError(await exchange(client, 'nope'), 400, 'invalid_grant', 'The authorization code is invalid.');
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code, ...bodyCredentials(client) }),
      400,
      'invalid_request',
      'The request is missing the redirect_uri parameter.',
    );
    expectOAuthError(
      await token({ grant_type: 'authorization_code', redirect_uri: client.redirectUri, ...bodyCredentials(client) }),
      400,
      'invalid_request',
      'The request is missing the code parameter.',
    );
    expectTokenResponse(await exchange(client, code), true, ALL);
  });

  it('expires after 10 minutes (ManualClock)', async () => {
    const { seed, client } = await setup();
    const code = await insertCode(h, client, seed.user_id);
    const later = await insertCode(h, client, seed.user_id);
    h.clock.advance(599);
    expectTokenResponse(await exchange(client, later), true, ALL);
    h.clock.advance(1);
    expectOAuthError(await exchange(client, code), 400, 'invalid_grant', 'The authorization code has expired.');
  });

  it('a code used twice → invalid_grant, and the tokens of its first use are revoked (RFC 6749 §4.1.2)', async () => {
    const { seed, client } = await setup();
    const code = await insertCode(h, client, seed.user_id);
    const first = await exchange(client, code);
    expectTokenResponse(first, true, ALL);
    expect((await listConversations(first.json.access_token)).status).toBe(200);
    expectOAuthError(await exchange(client, code), 400, 'invalid_grant', 'The authorization code has already been used.');
    expectError(await listConversations(first.json.access_token), 401, 'invalid_token');
    expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token, ...bodyCredentials(client) }), 400, 'invalid_grant');
  });

  it('a user without any active membership can no longer exchange a code', async () => {
    const { seed, client } = await setup();
    const code = await insertCode(h, client, seed.user_id);
    await h.deps.db.query('UPDATE memberships SET is_active = false WHERE user_id = $1', [seed.user_id]);
    expectOAuthError(await exchange(client, code), 400, 'invalid_grant', 'The user can no longer sign in.');
  });
});

describe('refresh_token (docs/oauth.md#refresh-tokens)', () => {
  it('rotates; the old token reused → invalid_grant and the whole family dies, the newest refresh token and access tokens too', async () => {
    const { seed, client } = await setup();
    const first = await exchange(client, await insertCode(h, client, seed.user_id));
    const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
      token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...bodyCredentials(client), ...extra });
    const second = await refresh(first.json.refresh_token);
    expectTokenResponse(second, true, ALL);
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    expect((await listConversations(second.json.access_token)).status).toBe(200);

    expectOAuthError(await refresh(first.json.refresh_token), 400, 'invalid_grant', 'The refresh token has already been used.');
    expectOAuthError(await refresh(second.json.refresh_token), 400, 'invalid_grant', 'The refresh token has been revoked.');
    expectError(await listConversations(second.json.access_token), 401, 'invalid_token');
    expectError(await listConversations(first.json.access_token), 401, 'invalid_token');
  });

  it('narrows scopes and never widens them; another client, unknown or expired tokens → invalid_grant', async () => {
    const { seed, client } = await setup();
    const other = await createClient(h, seed.tenant_id);
    const first = await exchange(client, await insertCode(h, client, seed.user_id, { scopes: ['conversations:read', 'customers:read'] }));
    const refresh = (refreshToken: string, extra: Record<string, string> = {}, as = client) =>
      token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...bodyCredentials(as), ...extra });
    expectOAuthError(await refresh(first.json.refresh_token, {}, other), 400, 'invalid_grant', 'The refresh token is invalid.');
    expectOAuthError(await refresh(first.json.refresh_token, { scope: 'conversations:read users:read' }), 400, 'invalid_scope');
    expectOAuthError(await refresh(first.json.refresh_token, { scope: 'conversations:read bogus' }), 400, 'invalid_scope');
    const narrowed = await refresh(first.json.refresh_token, { scope: 'customers:read' });
    expectTokenResponse(narrowed, true, 'customers:read');
    expectError(await listConversations(narrowed.json.access_token), 403, 'insufficient_scope');
    expectOAuthError(await refresh(narrowed.json.refresh_token, { scope: 'conversations:read' }), 400, 'invalid_scope');
    expectOAuthError(await refresh('unknown'), 400, 'invalid_grant', 'The refresh token is invalid.');
    expectOAuthError(await token({ grant_type: 'refresh_token', ...bodyCredentials(client) }), 400, 'invalid_request');

    const wider = await refresh(narrowed.json.refresh_token);
    expectTokenResponse(wider, true, 'customers:read');
    h.clock.advance(30 * 24 * 3600);
    expectOAuthError(await refresh(wider.json.refresh_token), 400, 'invalid_grant', 'The refresh token has expired.');
  });

  it('scopes removed from the application are dropped; none left → invalid_scope', async () => {
    const { seed, client } = await setup();
    const first = await exchange(client, await insertCode(h, client, seed.user_id, { scopes: ['conversations:read', 'customers:read'] }));
    await h.deps.db.query(`UPDATE oauth_clients SET scopes = '["customers:read","users:read"]' WHERE client_id = $1`, [client.clientId]);
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token, ...bodyCredentials(client) });
    expectTokenResponse(second, true, 'customers:read');
    await h.deps.db.query(`UPDATE oauth_clients SET scopes = '["users:read"]' WHERE client_id = $1`, [client.clientId]);
    expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: second.json.refresh_token, ...bodyCredentials(client) }), 400, 'invalid_scope');
  });
});

describe('client_credentials (docs/oauth.md#grants)', () => {
  it('a service token bound to the application tenant: no refresh token, tenant claim, refused in any other tenant', async () => {
    const { seed, client } = await setup();
    const other = await h.seedTenant();
    const response = await token({ grant_type: 'client_credentials', scope: 'conversations:read', ...bodyCredentials(client) });
    expectTokenResponse(response, false, 'conversations:read');
    const claims = jwtPayload(response.json.access_token);
    expect(claims).toMatchObject({ sub: client.clientId, aud: client.clientId, tenant: seed.tenant_id });
    expect((await listConversations(response.json.access_token)).status).toBe(200);
    expect((await listConversations(response.json.access_token, seed.tenant_id)).status).toBe(200);
    expectError(await listConversations(response.json.access_token, other.tenant_id), 403, 'tenant_forbidden');
    expectError(await h.request({ method: 'POST', url: '/api/v1/conversations/1/read', token: response.json.access_token }), 403, 'insufficient_scope');
  });

  it('a scope the application may not have → invalid_scope', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id, { scopes: ['customers:read'] });
    expectOAuthError(await token({ grant_type: 'client_credentials', scope: 'conversations:read', ...bodyCredentials(client) }), 400, 'invalid_scope');
  });
});

describe('access tokens on the API (docs/oauth.md#access-tokens)', () => {
  it('a tampered JWT, an expired JWT and a token signed with alg none → 401 invalid_token', async () => {
    const { client } = await setup();
    const response = await token({ grant_type: 'client_credentials', ...bodyCredentials(client) });
    const jwt: string = response.json.access_token;
    const [head, body, signature] = jwt.split('.') as [string, string, string];
    const claims = jwtPayload(jwt);
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'users:write', tenant: 1 })).toString('base64url');
    expectError(await listConversations(`${head}.${forged}.${signature}`), 401, 'invalid_token');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    expectError(await listConversations(`${head}.${body}.${flipped}`), 401, 'invalid_token');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expectError(await listConversations(`${none}.${body}.`), 401, 'invalid_token');
    expect((await listConversations(jwt)).status).toBe(200);
    h.clock.advance(3599);
    expect((await listConversations(jwt)).status).toBe(200);
    h.clock.advance(1);
    expectError(await listConversations(jwt), 401, 'invalid_token');
  });
});
