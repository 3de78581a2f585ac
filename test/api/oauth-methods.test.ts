/**
 * Wrong methods on the JSON endpoints of the authorization server. docs/oauth.md names no 405 body for them (docs/oauth.md#login-and-consent-pages
 * covers the HTML pages only), and docs/request-checks.md#paths-and-path-ids says an unrouted method answers 405 `method_not_allowed` with an Allow
 * header as a JSON error body "for every prefix except the HTML pages of docs/oauth.md": that is what is pinned here,
 * with the no-store of docs/oauth.md#endpoints on the three token endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectExactJson } from '../support/assertions.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('wrong methods on /oauth/token, /oauth/revoke, /oauth/introspect and /.well-known/*', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/oauth/token', 'POST'],
    ['PUT', '/oauth/revoke', 'POST'],
    ['DELETE', '/oauth/introspect', 'POST'],
    ['PATCH', '/oauth/token', 'POST'],
    ['POST', '/.well-known/jwks.json', 'GET'],
    ['DELETE', '/.well-known/oauth-authorization-server', 'GET'],
    ['GET', '/oauth/token/', 'POST'],
  ];
  for (const [method, url, allow] of cases) {
    it(`${method} ${url} → 405, Allow: ${allow}, the JSON error body of docs/errors.md#error-codes`, async () => {
      const response = await h.request({ method, url });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(String(response.headers['content-type'])).toContain('application/json');
      // docs/oauth.md#endpoints: every answer of the token, revocation and introspection endpoints is no-store.
      expect(response.headers['cache-control']).toBe(url.startsWith('/oauth/') ? 'no-store' : undefined);
      expect(response.headers.pragma).toBe(url.startsWith('/oauth/') ? 'no-cache' : undefined);
      expectExactJson(response.json, {
        error: 'method_not_allowed',
        message: `The ${method} method is not supported for this route. Supported methods: ${allow}.`,
      });
    });
  }
});
