/**
 * The security checks of docs/request-checks.md#order-of-checks, applied to EVERY route of the registry (src/routes.ts), so a new route is
 * covered as soon as it is registered. Routes, 405, headers: security-http.test.ts; rate limits: security-rate-limit.test.ts.
 */
import crypto from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { SCOPES, type Scope } from '../../src/modules/oauth/scopes.js';
import { PERMISSIONS } from '../../src/modules/roles/permissions.js';
import { jwtHeader, jwtPayload } from '../support/shapes.js';
import { expectValidationError } from '../support/assertions.js';
import { addMembership, applicationToken, createRole, createUser, sql } from '../support/factories.js';
import { concreteUrl } from '../support/concrete-urls.js';

let h: Harness;
/** A foreign RSA key pair, made once: generating one costs more than the requests of a test. */
let foreignKeys: Awaited<ReturnType<typeof generateKeyPair>>;
beforeAll(async () => {
  h = await createHarness();
  foreignKeys = await generateKeyPair('RS256');
});
afterAll(async () => h?.close());

const SECURITY_CODES = [
  'unauthorized',
  'invalid_token',
  'invalid_request',
  'tenant_required',
  'tenant_forbidden',
  'insufficient_scope',
  'forbidden',
  'rate_limit_exceeded',
];
const INVALID_TOKEN = { error: 'invalid_token', message: 'The access token is invalid or has expired.' };
const TENANT_FORBIDDEN = { error: 'tenant_forbidden', message: 'You do not have access to this tenant.' };
const TENANT_INVALID = { error: 'invalid_request', message: 'The X-Tenant header must be a numeric tenant id.' };
const TENANT_REQUIRED = { error: 'tenant_required', message: 'The X-Tenant header is required.' };
const FORBIDDEN = { error: 'forbidden', message: 'You do not have permission to perform this action.' };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Passed steps 2–6 of docs/request-checks.md#order-of-checks: whatever it answers, it is not a security refusal. */
function expectAdmitted(response: TestResponse, what: string): void {
  expect(response.status, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(SECURITY_CODES, `${what}: ${response.body.slice(0, 300)}`).not.toContain(response.json?.error);
  expect([401, 403, 429], what).not.toContain(response.status);
}

function expectInvalidToken(response: TestResponse, what: string): void {
  expect(response.status, `${what}: ${response.body}`).toBe(401);
  expect(response.json, what).toEqual(INVALID_TOKEN);
  const challenge = String(response.headers['www-authenticate']);
  expect(challenge.startsWith('Bearer realm="api"'), challenge).toBe(true);
  expect(challenge).toContain('error="invalid_token"');
}

// Signed file links take no token by design (docs/domain-rules.md#files-and-media); their own tests cover them.
const tokenRoutes = (apiRoutes as AnyRoute[]).filter((route) => !isTokenlessRoute(route));

for (const route of tokenRoutes) {
  const name = `${route.method} ${route.url}`;
  const tenantScoped = route.permission !== 'none';
  const realPermission = route.permission !== 'none' && route.permission !== 'member';
  const routeScopes: Scope[] = route.scopes === 'full-access' ? [...SCOPES] : [...route.scopes];

  describe(name, () => {
    async function call(
      seed: SeedResult,
      options: { token?: string | null; tenant?: string | number | null; headers?: Record<string, string>; payload?: string } = {},
    ) {
      const url = await concreteUrl(h, seed, route.url);
      const token = options.token === undefined ? seed.access_token : options.token;
      return h.request({ method: route.method, url, token, tenant: options.tenant, headers: options.headers, payload: options.payload });
    }
    const newSeed = () => h.seedTenant({ conversations: 1 });

    it('is admitted with the owner token (baseline) and carries the rate-limit headers', async () => {
      const seed = await newSeed();
      const response = await call(seed);
      expectAdmitted(response, name);
      for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(response.headers[header]).toMatch(/^\d+$/);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('answers 401 unauthorized without a bearer token', async () => {
      const seed = await newSeed();
      const variants: Array<Record<string, string>> = [
        {},
        { authorization: 'Basic x' },
        { authorization: 'Bearer' },
        { authorization: 'Bearer    ' },
        { authorization: 'Token abc' },
        { authorization: '' },
      ];
      for (const headers of variants) {
        const response = await call(seed, { token: null, headers });
        expect(response.status, JSON.stringify(headers)).toBe(401);
        expect(response.json).toEqual({ error: 'unauthorized', message: 'Authentication is required.' });
        expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
      }
      // Authentication comes before the tenant and the body (docs/request-checks.md#order-of-checks).
      const early = await call(seed, { token: null, tenant: 'abc', headers: { 'content-type': 'application/json' }, payload: '{bad' });
      expect(early.status).toBe(401);
    });

    it('accepts the scheme word in any case and several spaces', async () => {
      const seed = await newSeed();
      for (const authorization of [`bearer ${seed.access_token}`, `BEARER   ${seed.access_token}`]) {
        expectAdmitted(await call(seed, { token: null, headers: { authorization } }), authorization.slice(0, 10));
      }
    });

    it('answers 401 invalid_token for malformed, foreign, HS256, alg none and tampered tokens', async () => {
      const seed = await newSeed();
      const header = jwtHeader(seed.access_token);
      const payload = jwtPayload(seed.access_token);
      const other = foreignKeys;
      const publicPem = crypto
        .createPublicKey({ key: h.deps.tokens.publicJwks()[0] as crypto.JsonWebKey, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' });
      const [head, , signature] = seed.access_token.split('.');
      const tokens: Record<string, string> = {
        garbage: 'abc',
        'three garbage parts': 'a.b.c',
        'other RSA key, real kid': await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid }).sign(other.privateKey),
        'other RSA key, unknown kid': await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'unknown-kid' }).sign(other.privateKey),
        'HS256 with a random secret': await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header.kid }).sign(crypto.randomBytes(32)),
        'HS256 keyed with the public key': await new SignJWT(payload)
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header.kid })
          .sign(new TextEncoder().encode(String(publicPem))),
        'alg none': `${b64({ alg: 'none', typ: 'JWT', kid: header.kid })}.${b64(payload)}.`,
        'tampered payload': `${head}.${b64({ ...payload, sub: '999999' })}.${signature}`,
        'truncated signature': seed.access_token.slice(0, -4),
      };
      for (const [what, token] of Object.entries(tokens)) expectInvalidToken(await call(seed, { token }), what);
    });

    it('answers 401 invalid_token for an expired or not yet valid token (no leeway)', async () => {
      const seed = await newSeed();
      const token = await h.token(seed.user_id, { lifetimeSeconds: 60 });
      h.clock.advance(-1);
      expectInvalidToken(await call(seed, { token }), 'before nbf');
      h.clock.advance(1);
      expectAdmitted(await call(seed, { token }), 'at iat');
      h.clock.advance(59);
      expectAdmitted(await call(seed, { token }), '1 s before exp');
      h.clock.advance(1);
      expectInvalidToken(await call(seed, { token }), 'at exp');
      h.clock.advance(1);
      expectInvalidToken(await call(seed, { token }), 'after exp');
    });

    it('answers 401 invalid_token for a revoked token, an unknown jti and a deleted user', async () => {
      const seed = await newSeed();
      const revoked = await h.token(seed.user_id);
      expectAdmitted(await call(seed, { token: revoked }), 'before revocation');
      await h.deps.tokens.revoke(jwtPayload(revoked).jti);
      expectInvalidToken(await call(seed, { token: revoked }), 'revoked');
      const unknown = await h.token(seed.user_id);
      await sql(h, 'DELETE FROM access_tokens WHERE jti = $1', [jwtPayload(unknown).jti]);
      expectInvalidToken(await call(seed, { token: unknown }), 'unknown jti');
      const user = await createUser(h, 'Leaving User');
      await addMembership(h, seed.tenant_id, user, ['Owner']);
      const token = await h.token(user);
      await sql(h, 'UPDATE users SET deleted_at = now() WHERE id = $1', [user]);
      expectInvalidToken(await call(seed, { token }), 'deleted user');
    });

    it(tenantScoped ? 'answers 403 tenant_forbidden for a tenant the user is not an active member of' : 'ignores X-Tenant of any tenant', async () => {
      const seed = await newSeed();
      const other = await h.seedTenant({ conversations: 0 });
      const suspended = await h.seedTenant({ conversations: 0 });
      await addMembership(h, suspended.tenant_id, seed.user_id, ['Owner'], { isActive: false });
      for (const tenant of [other.tenant_id, suspended.tenant_id, 999999999, '999999999999999999']) {
        const response = await call(seed, { tenant });
        if (tenantScoped) {
          expect(response.status, String(tenant)).toBe(403);
          expect(response.json).toEqual(TENANT_FORBIDDEN);
        } else expectAdmitted(response, `X-Tenant ${tenant}`);
      }
      expectAdmitted(await call(seed, { tenant: `00${seed.tenant_id}` }), 'own tenant with leading zeros');
      expectAdmitted(await call(seed, { tenant: seed.tenant_id }), 'own tenant');
    });

    it('treats an empty X-Tenant as absent', async () => {
      const seed = await newSeed();
      for (const tenant of ['', '   ']) expectAdmitted(await call(seed, { tenant }), `X-Tenant ${JSON.stringify(tenant)}`);
    });

    it('admits a client-credentials token in its own tenant only, and refuses it once the application is deleted', async () => {
      const seed = await newSeed();
      const other = await h.seedTenant({ conversations: 1 });
      const token = await applicationToken(h, seed);
      expectAdmitted(await call(seed, { token }), 'application token without X-Tenant');
      expectAdmitted(await call(seed, { token, tenant: seed.tenant_id }), 'application token, own tenant');
      const elsewhere = await call(other, { token, tenant: other.tenant_id });
      if (tenantScoped) expect(elsewhere.json).toEqual(TENANT_FORBIDDEN);
      else expectAdmitted(elsewhere, 'application token, other X-Tenant');
      const deleted = await applicationToken(h, seed);
      await sql(h, 'UPDATE oauth_clients SET deleted_at = now() WHERE client_id = $1', [seed.client_id]);
      expectInvalidToken(await call(seed, { token: deleted }), 'deleted application');
    });

    it(tenantScoped ? 'answers 400 invalid_request for a non-numeric or repeated X-Tenant' : 'ignores a malformed X-Tenant', async () => {
      const seed = await newSeed();
      for (const tenant of ['abc', '-1', '1.5', ' 2x', '+1', '0x1A', '1234567890123456789', `${seed.tenant_id} ${seed.tenant_id}`]) {
        const response = await call(seed, { tenant });
        if (tenantScoped) {
          expect(response.status, tenant).toBe(400);
          expect(response.json, tenant).toEqual(TENANT_INVALID);
        } else expectAdmitted(response, `X-Tenant ${tenant}`);
      }
      const url = await concreteUrl(h, seed, route.url);
      const repeated = await h.app.inject({
        method: route.method,
        url,
        headers: { host: '127.0.0.1:8080', authorization: `Bearer ${seed.access_token}`, 'x-tenant': [String(seed.tenant_id), String(seed.tenant_id)] },
      });
      if (tenantScoped) {
        expect(repeated.statusCode).toBe(400);
        expect(JSON.parse(repeated.body)).toEqual(TENANT_INVALID);
      } else expect(repeated.statusCode).toBeLessThan(400);
    });

    it(
      tenantScoped ? 'answers 400 tenant_required without X-Tenant for several or no memberships' : 'needs no X-Tenant with several or no memberships',
      async () => {
        const seed = await newSeed();
        const second = await h.seedTenant({ conversations: 1 });
        await addMembership(h, second.tenant_id, seed.user_id, ['Owner']);
        const several = await call(seed, { tenant: null });
        if (tenantScoped) expect(several.json).toEqual(TENANT_REQUIRED);
        else expectAdmitted(several, 'several memberships');
        expect(several.status).toBe(tenantScoped ? 400 : 200);
        expectAdmitted(await call(seed, { tenant: seed.tenant_id }), 'first tenant named');
        expectAdmitted(await call(second, { token: seed.access_token, tenant: second.tenant_id }), 'second tenant named');
        const bound = await h.token(seed.user_id, { tenant: seed.tenant_id });
        expectAdmitted(await call(seed, { token: bound, tenant: null }), 'bound token without X-Tenant');

        const loner = await createUser(h, 'No Memberships');
        const token = await h.token(loner);
        const none = await call(seed, { token, tenant: null });
        if (tenantScoped) {
          expect(none.status).toBe(400);
          expect(none.json).toEqual(TENANT_REQUIRED);
          const named = await call(seed, { token, tenant: seed.tenant_id });
          expect(named.json).toEqual(TENANT_FORBIDDEN);
        } else expectAdmitted(none, 'no memberships');
      },
    );

    it(
      tenantScoped
        ? 'answers 403 tenant_forbidden for a tenant-bound token used with another tenant'
        : 'lets a tenant-bound token through whatever X-Tenant says',
      async () => {
        const seed = await newSeed();
        const second = await h.seedTenant({ conversations: 1 });
        await addMembership(h, second.tenant_id, seed.user_id, ['Owner']);
        const bound = await h.token(seed.user_id, { tenant: seed.tenant_id });
        const response = await call(second, { token: bound, tenant: second.tenant_id });
        if (tenantScoped) {
          expect(response.status).toBe(403);
          expect(response.json).toEqual(TENANT_FORBIDDEN);
        } else expectAdmitted(response, 'bound token, other X-Tenant');
        expectAdmitted(await call(seed, { token: bound, tenant: seed.tenant_id }), 'bound token, own X-Tenant');
      },
    );

    it('answers 403 insufficient_scope for a token without the route scope, and any one listed scope suffices', async () => {
      const seed = await newSeed();
      const lacking = SCOPES.filter((scope) => (route.scopes === 'full-access' ? scope !== 'account:read' : !routeScopes.includes(scope)));
      const token = await h.token(seed.user_id, { scopes: lacking });
      const response = await call(seed, { token, tenant: seed.tenant_id });
      expect(response.status, response.body).toBe(403);
      expect(response.json.error).toBe('insufficient_scope');
      if (route.scopes !== 'full-access') {
        expect(response.json).toEqual({
          error: 'insufficient_scope',
          message: `The access token does not have the required scope: ${routeScopes.join(' or ')}.`,
        });
        expect(response.headers['www-authenticate']).toBe(`Bearer error="insufficient_scope", scope="${routeScopes.join(' ')}"`);
        for (const scope of routeScopes) {
          expectAdmitted(await call(seed, { token: await h.token(seed.user_id, { scopes: [scope] }) }), `only ${scope}`);
        }
      }
      // The tenant check comes before the scope check.
      if (tenantScoped) expect((await call(seed, { token, tenant: 999999999 })).json).toEqual(TENANT_FORBIDDEN);
    });

    it(realPermission ? `answers 403 forbidden to a member without ${String(route.permission)}` : 'needs no permission', async () => {
      const seed = await newSeed();
      const noRoles = await createUser(h, 'No Roles');
      await addMembership(h, seed.tenant_id, noRoles, []);
      const allButThis = await createUser(h, 'All But This');
      await addMembership(h, seed.tenant_id, allButThis, [
        await createRole(
          h,
          seed.tenant_id,
          'All but this',
          PERMISSIONS.filter((p) => p !== route.permission),
        ),
      ]);
      const emptyRole = await createUser(h, 'Empty Role');
      await addMembership(h, seed.tenant_id, emptyRole, [await createRole(h, seed.tenant_id, 'Empty', [])]);
      for (const user of [noRoles, allButThis, emptyRole]) {
        const response = await call(seed, {
          token: await h.token(user),
          headers: { 'content-type': 'application/json' },
          payload: route.method === 'GET' ? undefined : '{bad json',
        });
        if (realPermission) {
          expect(response.status, response.body).toBe(403);
          expect(response.json).toEqual(FORBIDDEN);
        } else if (route.method === 'GET') expectAdmitted(response, `user ${user}`);
      }
      if (realPermission) {
        const onlyThis = await createUser(h, 'Only This');
        await addMembership(h, seed.tenant_id, onlyThis, [await createRole(h, seed.tenant_id, 'Only this', [route.permission])]);
        expectAdmitted(await call(seed, { token: await h.token(onlyThis) }), 'only this permission');
        // The scope check comes before the permission check.
        const narrow = await h.token(noRoles, { scopes: SCOPES.filter((scope) => !routeScopes.includes(scope)) });
        expect((await call(seed, { token: narrow })).json.error).toBe('insufficient_scope');
      }
    });
  });
}

describe('isolation inside bodies', () => {
  it("POST /conversations with another tenant's channel_id answers 422 and creates nothing there", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const response = await h.request({
      method: 'POST',
      url: '/api/v1/conversations',
      token: seed.access_token,
      body: { channel_id: other.channels.whatsapp, address: '+15550001111' },
    });
    expectValidationError(response, { channel_id: ['The selected channel id is invalid.'] });
    const count = await sql(h, 'SELECT count(*)::int AS n FROM conversations WHERE tenant_id = ANY($1::bigint[])', [[seed.tenant_id, other.tenant_id]]);
    expect(count[0]!.n).toBe(0);
  });
});
