/**
 * Revocation (RFC 7009), introspection (RFC 7662) with opaque refresh tokens, discovery metadata and the JWKS
 * (docs/oauth.md#revocation, docs/oauth.md#endpoints, docs/oauth.md#access-tokens).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { jwtHeader, jwtPayload } from '../support/shapes.js';
import { expectError, expectExactJson } from '../support/assertions.js';
import { basic, bodyCredentials, createClient, expectOAuthError, insertCode, postForm, type TestClient } from '../support/oauth.js';
import { rotateSigningKey } from '../../src/modules/oauth/signing-keys.js';
import type { Scope } from '../../src/modules/oauth/scopes.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const listConversations = (token: string) => h.request({ url: '/api/v1/conversations', token });

async function userTokens(client: TestClient, userId: number, scopes?: readonly Scope[]) {
  const code = await insertCode(h, client, userId, { scopes });
  const response = await postForm(h, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, ...bodyCredentials(client) });
  expect(response.status, response.body).toBe(200);
  return response.json as { access_token: string; refresh_token: string };
}

describe('POST /oauth/revoke', () => {
  it('revoking an access token stops it on the next request; unknown and foreign tokens answer 200 and stay untouched', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const other = await createClient(h, seed.tenant_id);
    const mine = await userTokens(client, seed.user_id);
    const theirs = await userTokens(other, seed.user_id);
    expect((await listConversations(mine.access_token)).status).toBe(200);

    const foreign = await postForm(h, '/oauth/revoke', { token: theirs.access_token, ...bodyCredentials(client) });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toBe('');
    expect((await listConversations(theirs.access_token)).status).toBe(200);
    expect((await postForm(h, '/oauth/revoke', { token: 'garbage', ...bodyCredentials(client) })).status).toBe(200);

    const revoked = await postForm(
      h,
      '/oauth/revoke',
      { token: mine.access_token, token_type_hint: 'refresh_token' },
      { authorization: basic(client.clientId, client.secret!) },
    );
    expect(revoked.status).toBe(200);
    expect(revoked.headers['cache-control']).toBe('no-store');
    expectError(await listConversations(mine.access_token), 401, 'invalid_token');
    // The refresh token of that family is a separate credential and still works.
    expect((await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: mine.refresh_token, ...bodyCredentials(client) })).status).toBe(
      200,
    );
  });

  it('revoking a refresh token revokes its whole family; a public client revokes with its client_id', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id, { confidential: false });
    const tokens = await userTokens(client, seed.user_id);
    expect((await postForm(h, '/oauth/revoke', { token: tokens.refresh_token, client_id: client.clientId })).status).toBe(200);
    expectError(await listConversations(tokens.access_token), 401, 'invalid_token');
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.clientId }),
      400,
      'invalid_grant',
      'The refresh token has been revoked.',
    );
  });

  it('authenticates the client before reading token; missing token → invalid_request', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    expectOAuthError(await postForm(h, '/oauth/revoke', { client_id: client.clientId, client_secret: 'nope' }), 401, 'invalid_client');
    expectOAuthError(await postForm(h, '/oauth/revoke', bodyCredentials(client)), 400, 'invalid_request', 'The request is missing the token parameter.');
    expectOAuthError(await h.request({ method: 'POST', url: '/oauth/revoke', body: { token: 'x' } }), 400, 'invalid_request');
  });
});

describe('POST /oauth/introspect', () => {
  it('describes an active access token with the keys of docs/oauth.md#revocation, and refuses once revoked or for another client', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const other = await createClient(h, seed.tenant_id);
    const tokens = await userTokens(client, seed.user_id, ['conversations:read', 'conversations:write']);
    const claims = jwtPayload(tokens.access_token);
    const response = await postForm(h, '/oauth/introspect', { token: tokens.access_token, ...bodyCredentials(client) });
    expect(response.status).toBe(200);
    expectExactJson(response.json, {
      active: true,
      scope: 'conversations:read conversations:write',
      client_id: client.clientId,
      username: seed.email,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.iat,
      sub: String(seed.user_id),
      aud: client.clientId,
      iss: 'http://127.0.0.1:8080',
      jti: claims.jti,
    });
    expectExactJson((await postForm(h, '/oauth/introspect', { token: tokens.access_token, ...bodyCredentials(other) })).json, { active: false });
    await postForm(h, '/oauth/revoke', { token: tokens.access_token, ...bodyCredentials(client) });
    expectExactJson((await postForm(h, '/oauth/introspect', { token: tokens.access_token, ...bodyCredentials(client) })).json, { active: false });
  });

  it('finds opaque refresh tokens, honours their rotation and revocation', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const tokens = await userTokens(client, seed.user_id, ['customers:read']);
    const response = await postForm(
      h,
      '/oauth/introspect',
      { token: tokens.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: basic(client.clientId, client.secret!) },
    );
    const now = Math.floor(h.clock.now().getTime() / 1000);
    expectExactJson(response.json, {
      active: true,
      scope: 'customers:read',
      client_id: client.clientId,
      username: seed.email,
      token_type: 'refresh_token',
      exp: now + 30 * 24 * 3600,
      iat: now,
      sub: String(seed.user_id),
      iss: 'http://127.0.0.1:8080',
    });
    const rotated = await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...bodyCredentials(client) });
    expectExactJson((await postForm(h, '/oauth/introspect', { token: tokens.refresh_token, ...bodyCredentials(client) })).json, { active: false });
    expect((await postForm(h, '/oauth/introspect', { token: rotated.json.refresh_token, ...bodyCredentials(client) })).json.active).toBe(true);
    await postForm(h, '/oauth/revoke', { token: rotated.json.refresh_token, ...bodyCredentials(client) });
    expectExactJson((await postForm(h, '/oauth/introspect', { token: rotated.json.refresh_token, ...bodyCredentials(client) })).json, { active: false });
  });

  it('a client-credentials token: no username, the tenant added; a public client may not introspect', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const pub = await createClient(h, seed.tenant_id, { confidential: false });
    const issued = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', scope: 'users:read', ...bodyCredentials(client) });
    const answer = (await postForm(h, '/oauth/introspect', { token: issued.json.access_token, ...bodyCredentials(client) })).json;
    expect(Object.keys(answer)).toEqual(['active', 'scope', 'client_id', 'token_type', 'exp', 'iat', 'nbf', 'sub', 'aud', 'iss', 'jti', 'tenant']);
    expect(answer.tenant).toBe(seed.tenant_id);
    expect(answer.sub).toBe(client.clientId);
    expectOAuthError(await postForm(h, '/oauth/introspect', { token: issued.json.access_token, client_id: pub.clientId }), 401, 'invalid_client');
  });
});

describe('discovery and keys (docs/oauth.md#endpoints, docs/oauth.md#access-tokens)', () => {
  it('metadata with absolute URLs from the request origin', async () => {
    const response = await h.request({ url: '/.well-known/oauth-authorization-server' });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('private, max-age=300');
    expect(response.json.issuer).toBe('http://127.0.0.1:8080');
    expect(response.json.token_endpoint).toBe('http://127.0.0.1:8080/oauth/token');
    expect(response.json.code_challenge_methods_supported).toEqual(['S256']);
    expect(Object.keys(response.json)).toEqual([
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'jwks_uri',
      'response_types_supported',
      'response_modes_supported',
      'grant_types_supported',
      'code_challenge_methods_supported',
      'token_endpoint_auth_methods_supported',
      'revocation_endpoint_auth_methods_supported',
      'introspection_endpoint_auth_methods_supported',
      'scopes_supported',
      'service_documentation',
      'ui_locales_supported',
    ]);
  });

  it('the JWKS lists public parameters only, active key first; a rotation keeps older tokens valid', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const before = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', ...bodyCredentials(client) });
    await rotateSigningKey(h.deps.db, h.deps.box);
    await h.deps.tokens.reloadKeys();
    const after = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', ...bodyCredentials(client) });
    const jwks = await h.request({ url: '/.well-known/jwks.json' });
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    const kids = jwks.json.keys.map((key: { kid: string }) => key.kid);
    expect(kids[0]).toBe(jwtHeader(after.json.access_token).kid);
    expect(kids).toContain(jwtHeader(before.json.access_token).kid);
    for (const key of jwks.json.keys) expect(Object.keys(key)).toEqual(['kty', 'kid', 'use', 'alg', 'n', 'e']);
    expect((await listConversations(before.json.access_token)).status).toBe(200);
    expect((await listConversations(after.json.access_token)).status).toBe(200);
  });
});
