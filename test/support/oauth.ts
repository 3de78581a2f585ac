import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import { SCOPES, type Scope } from '../../src/modules/oauth/scopes.js';
import { hashClientSecret } from '../../src/modules/oauth/server/clients.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { s256 } from '../../src/modules/oauth/server/pkce.js';

export interface TestClient {
  clientId: string;
  secret: string | null;
  redirectUri: string;
  tenantId: number;
}

/** An OAuth application row, straight into the database (the Applications API has its own tests). */
export async function createClient(
  h: Harness,
  tenantId: number,
  options: { confidential?: boolean; scopes?: readonly Scope[]; redirectUri?: string; secret?: string } = {},
): Promise<TestClient> {
  const confidential = options.confidential ?? true;
  const clientId = crypto.randomUUID();
  const secret = confidential ? (options.secret ?? crypto.randomBytes(20).toString('hex')) : null;
  const redirectUri = options.redirectUri ?? 'https://app.example.com/callback';
  await h.deps.db.query(
    `INSERT INTO oauth_clients (tenant_id, client_id, name, secret_hash, redirect_uris, confidential, scopes, allows_client_credentials)
     VALUES ($1, $2, 'Test App <b>', $3, $4, $5, $6, $5)`,
    [tenantId, clientId, secret ? hashClientSecret(secret) : null, JSON.stringify([redirectUri]), confidential, JSON.stringify(options.scopes ?? SCOPES)],
  );
  return { clientId, secret, redirectUri, tenantId };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(48).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

/** An authorization code as the consent page would store it, for token-endpoint tests that skip the browser part. */
export async function insertCode(
  h: Harness,
  client: TestClient,
  userId: number,
  options: { scopes?: readonly Scope[]; challenge?: string | null; redirectUri?: string } = {},
): Promise<string> {
  const code = crypto.randomBytes(32).toString('base64url');
  const now = h.clock.now();
  await h.deps.db.query(
    `INSERT INTO authorization_codes (code_hash, user_id, client_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      sha256Hex(code),
      userId,
      client.clientId,
      options.redirectUri ?? client.redirectUri,
      (options.scopes ?? SCOPES).join(' '),
      options.challenge ?? null,
      options.challenge ? 'S256' : null,
      new Date(now.getTime() + 600_000),
      now,
    ],
  );
  return code;
}

export function basic(id: string, secret: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

/** A form-encoded POST to an OAuth endpoint. */
export function postForm(h: Harness, url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<TestResponse> {
  return h.request({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** Client credentials in the body (client_secret_post), or just client_id for a public client. */
export function bodyCredentials(client: TestClient): Record<string, string> {
  return client.secret ? { client_id: client.clientId, client_secret: client.secret } : { client_id: client.clientId };
}

export function expectOAuthError(response: TestResponse, status: number, error: string, description?: string): void {
  expect(response.status, response.body).toBe(status);
  expect(Object.keys(response.json), response.body).toEqual(['error', 'error_description', 'message']);
  expect(response.json.error, response.body).toBe(error);
  expect(response.json.message).toBe(response.json.error_description);
  if (description !== undefined) expect(response.json.error_description).toBe(description);
  expect(response.headers['cache-control']).toBe('no-store');
  if (error === 'invalid_client') expect(response.headers['www-authenticate']).toBe('Basic realm="oauth"');
}

export function expectTokenResponse(response: TestResponse, withRefresh: boolean, scope: string): void {
  expect(response.status, response.body).toBe(200);
  expect(Object.keys(response.json)).toEqual(
    withRefresh ? ['token_type', 'expires_in', 'access_token', 'refresh_token', 'scope'] : ['token_type', 'expires_in', 'access_token', 'scope'],
  );
  expect(response.json.token_type).toBe('Bearer');
  expect(response.json.expires_in).toBe(3600);
  expect(response.json.scope).toBe(scope);
  if (withRefresh) expect(response.json.refresh_token).toMatch(/^[A-Za-z0-9_-]{86}$/);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers.pragma).toBe('no-cache');
}
