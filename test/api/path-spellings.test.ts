/**
 * Issue 12 item 1: the router percent-decodes paths, so `/%61pi/v1/users` is the same route as `/api/v1/users`.
 * Every route, under every spelling that reaches it, must pass through its checks (docs/request-checks.md#order-of-checks steps 2–6) before
 * anything else: no answer without a token but 401, no 422 (validation running first would let anyone probe data),
 * and a narrow token stops at the scope check. A handler reached without its checks answers 401 (fail closed).
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { mountRoute } from '../../src/http/mount-route.js';
import { AppError, errorBody, errorStatus } from '../../src/http/errors.js';
import { expectError } from '../support/assertions.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let seed: SeedResult;
let narrowToken: string;
beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant({ conversations: 1 });
  // account:read alone opens none of the routes below except GET /account/tenants and /account/roles.
  narrowToken = await h.token(seed.user_id, { scopes: ['account:read'] });
});
afterAll(async () => h?.close());

const routes = apiRoutes as AnyRoute[];

function concretePath(route: AnyRoute): string {
  return route.url.replace(/:[A-Za-z]+/g, '1');
}

function percentEncoded(text: string, upper: boolean): string {
  return [...text]
    .map((char) => {
      const hex = char.charCodeAt(0).toString(16);
      return `%${upper ? hex.toUpperCase() : hex}`;
    })
    .join('');
}

/** Spellings the router resolves to the same route: one encoded letter per static segment, a fully encoded segment, a trailing slash. */
function routedSpellings(path: string): string[] {
  const segments = path.split('/');
  const spellings: string[] = [];
  segments.forEach((segment, index) => {
    if (segment === '' || /^[0-9]+$/.test(segment)) return;
    const copy = [...segments];
    copy[index] = percentEncoded(segment[0]!, index % 2 === 0) + segment.slice(1);
    spellings.push(copy.join('/'));
  });
  const staticIndexes = segments.flatMap((segment, index) => (segment !== '' && !/^[0-9]+$/.test(segment) ? [index] : []));
  const last = staticIndexes[staticIndexes.length - 1]!;
  const encodedWhole = [...segments];
  encodedWhole[last] = percentEncoded(segments[last]!, true);
  spellings.push(encodedWhole.join('/'), `${path}/`);
  return spellings;
}

/** Spellings the router may or may not resolve; either way, no answer may skip the checks. */
function otherSpellings(path: string): string[] {
  return [`/${path}`, path.replace('/v1/', '//v1/'), path.replace('/api/', '/API/'), path.replace('/v1/', '/v1%2F'), path.replace('/v1/', '/./v1/')];
}

async function send(route: AnyRoute, url: string, token: string | null): Promise<TestResponse> {
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  return h.request({ method: route.method, url, token, tenant: token ? seed.tenant_id : null, ...(hasBody ? { body: { probe: 'a@example.test' } } : {}) });
}

function expectChecked(response: TestResponse, url: string): void {
  expect(response.headers['x-ratelimit-limit'], `${url}: the limiter did not count it`).toBeDefined();
  expect(response.headers['cache-control'], url).toBe('no-store');
}

describe.each(routes.filter((route) => !isTokenlessRoute(route)).map((route) => [`${route.method} ${route.url}`, route] as const))('%s', (_key, route) => {
  const path = concretePath(route);

  it('answers 401 without a token under every spelling that reaches it', async () => {
    for (const url of routedSpellings(path)) {
      const response = await send(route, url, null);
      expectError(response, 401, 'unauthorized');
      expectChecked(response, url);
    }
  });

  it("stops a token without the route's scope at the scope check under every spelling", async () => {
    const scopes = route.scopes === 'full-access' ? [] : route.scopes;
    if (scopes.includes('account:read')) return;
    for (const url of routedSpellings(path)) {
      const response = await send(route, url, narrowToken);
      expectError(response, 403, 'insufficient_scope');
      expectChecked(response, url);
    }
  });

  it('never answers past the checks under spellings the router may not resolve', async () => {
    for (const url of otherSpellings(path)) {
      const response = await send(route, url, null);
      expect([401, 404], `${url}: ${response.body}`).toContain(response.status);
      expect(Object.keys(response.json), url).toEqual(['error', 'message']);
    }
  });
});

describe('token-less routes', () => {
  it('count every spelling of a signed file link by client IP and refuse a bad signature', async () => {
    for (const route of routes.filter(isTokenlessRoute)) {
      for (const url of routedSpellings(concretePath(route))) {
        const response = await send(route, `${url}?t=x&expires=1&signature=x`, null);
        expect(response.status, `${url}: ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.status, url).toBeLessThan(500);
        expectChecked(response, url);
      }
    }
  });
});

describe('unrouted paths under /api/v1', () => {
  it('are counted and marked no-store however they are spelled', async () => {
    for (const url of ['/api/v1/nothing-here', '/%61pi/v1/nothing-here', '/api/%761/nothing-here']) {
      const response = await h.request({ url, token: seed.access_token, tenant: seed.tenant_id });
      expectError(response, 404, 'not_found');
      expectChecked(response, url);
    }
  });
});

describe('fail closed', () => {
  it('a route whose checks were stripped answers 401 and never runs its handler', async () => {
    let ran = false;
    const route: AnyRoute = {
      ...routes.find((candidate) => candidate.method === 'GET' && candidate.url === '/api/v1/users')!,
      handler: async () => {
        ran = true;
        return { leaked: true };
      },
    };
    const app = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof AppError) reply.code(errorStatus(error)).send(errorBody(error));
      else reply.code(500).send({ error: 'server_error' });
    });
    // Simulates a future registration bug that drops the route's onRequest checks.
    app.addHook('onRoute', (options) => {
      options.onRequest = undefined;
    });
    mountRoute(app, h.deps, route);
    const response = await app.inject({ method: 'GET', url: '/api/v1/users' });
    await app.close();
    expect(ran).toBe(false);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
  });
});
