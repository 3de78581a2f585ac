/** The authorization server in the OpenAPI document: every /oauth/* and /.well-known/* route under the tag "OAuth". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const ROUTES: Array<[string, string]> = [
  ['get', '/oauth/authorize'],
  ['post', '/oauth/authorize'],
  ['get', '/oauth/login'],
  ['post', '/oauth/login'],
  ['post', '/oauth/logout'],
  ['post', '/oauth/token'],
  ['post', '/oauth/revoke'],
  ['post', '/oauth/introspect'],
  ['get', '/oauth/applications'],
  ['post', '/oauth/applications'],
  ['get', '/oauth/applications/edit'],
  ['post', '/oauth/applications/edit'],
  ['post', '/oauth/applications/secret'],
  ['post', '/oauth/applications/delete'],
  ['get', '/.well-known/oauth-authorization-server'],
  ['get', '/.well-known/jwks.json'],
];

describe('OAuth in the OpenAPI document', () => {
  it('documents every route of the authorization server under "OAuth", and only routes that exist', async () => {
    const document = (await h.request({ url: '/api/openapi.json' })).json;
    expect(document.tags).toContainEqual(expect.objectContaining({ name: 'OAuth' }));
    const documented: Array<[string, string]> = [];
    for (const [path, item] of Object.entries<Record<string, { tags: string[] }>>(document.paths)) {
      if (!/^\/(oauth|\.well-known)\//.test(path)) continue;
      for (const [method, operation] of Object.entries(item)) {
        expect(operation.tags, `${method} ${path}`).toEqual(['OAuth']);
        documented.push([method, path]);
      }
    }
    expect(documented.sort()).toEqual([...ROUTES].sort());
    for (const [method, url] of ROUTES) {
      expect(h.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${url}`).toBe(true);
    }
    // The API's own routes are still there.
    expect(document.paths['/api/v1/conversations'].get).toBeDefined();
  });

  it('describes the token endpoint: form body, grant types, token response, OAuth errors, client authentication', async () => {
    const document = (await h.request({ url: '/api/openapi.json' })).json;
    const token = document.paths['/oauth/token'].post;
    const body = token.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(body.properties.grant_type.enum).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    expect(body.required).toEqual(['grant_type']);
    expect(Object.keys(token.responses['200'].content['application/json'].schema.properties)).toEqual([
      'token_type',
      'expires_in',
      'access_token',
      'refresh_token',
      'scope',
    ]);
    expect(Object.keys(token.responses['400'].content['application/json'].schema.properties)).toEqual(['error', 'error_description', 'message']);
    expect(token.responses['429'].headers['Retry-After']).toBeDefined();
    expect(token.security).toEqual([{ oauthClientBasic: [] }, {}]);
    expect(document.components.securitySchemes.oauthClientBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(document.components.securitySchemes.bearerAuth).toBeDefined();
    expect(Object.keys(document.paths['/oauth/introspect'].post.responses['200'].content['application/json'].schema.properties)).toEqual([
      'active',
      'scope',
      'client_id',
      'username',
      'token_type',
      'exp',
      'iat',
      'nbf',
      'sub',
      'aud',
      'iss',
      'jti',
      'tenant',
    ]);
    expect(document.paths['/oauth/login'].post.responses['429'].content['text/html']).toBeDefined();
  });

  it('the interactive docs show the same document', async () => {
    const json = await h.request({ url: '/docs/json' });
    expect(json.status).toBe(200);
    expect(json.json.paths['/oauth/token']).toBeDefined();
  });
});
