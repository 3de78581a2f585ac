/**
 * Applications API (docs/oauth.md#applications): create, list, get, update, secret regeneration, delete — and that what it
 * registers works at the token endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { TIMESTAMP, UUID_V4 } from '../support/shapes.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { memberAs, memberWith, sql } from '../support/factories.js';
import { bodyCredentials, expectOAuthError, insertCode, postForm } from '../support/oauth.js';
import { SCOPES } from '../../src/modules/oauth/scopes.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const KEYS = ['id', 'client_id', 'name', 'redirect_uris', 'confidential', 'scopes', 'grant_types', 'client_secret', 'created_at', 'updated_at'];
const create = (token: string, body: unknown) => h.request({ method: 'POST', url: '/api/v1/applications', token, body });
const update = (token: string, id: number, body: unknown) => h.request({ method: 'PUT', url: `/api/v1/applications/${id}`, token, body });
const ZEBRA = {
  name: 'Zebrafoot CRM sync',
  redirect_uris: ['https://crm.zebrafoot.example/oauth/callback'],
  confidential: true,
  scopes: ['customers:read', 'conversations:read'],
};

describe('POST /applications', () => {
  it('creates a confidential application: secret shown once, stored hashed, working at the token endpoint', async () => {
    const seed = await h.seedTenant();
    const response = await create(seed.access_token, ZEBRA);
    expect(response.status, response.body).toBe(201);
    expect(Object.keys(response.json)).toEqual(['success', 'data']);
    expect(response.json.success).toBe('Application created successfully.');
    const data = response.json.data;
    expect(Object.keys(data)).toEqual(KEYS);
    expect(data).toMatchObject({
      name: 'Zebrafoot CRM sync',
      redirect_uris: ZEBRA.redirect_uris,
      confidential: true,
      scopes: ['conversations:read', 'customers:read'],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
    expect(data.client_id).toMatch(UUID_V4);
    expect(data.client_secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(data.created_at).toMatch(TIMESTAMP);
    const [row] = await sql(h, 'SELECT secret_hash FROM oauth_clients WHERE id = $1', [data.id]);
    expect(row!.secret_hash).not.toContain(data.client_secret);

    const token = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: data.client_id, client_secret: data.client_secret });
    expect(token.status, token.body).toBe(200);
    expect(token.json.scope).toBe('conversations:read customers:read');

    const shown = await h.request({ url: `/api/v1/applications/${data.id}`, token: seed.access_token });
    expectExactJson(shown.json, { success: 'Application retrieved successfully.', data: { ...data, client_secret: null } });
  });

  it('a public client: no secret, two grants, all nine scopes by default; [] redirect URIs only for confidential ones', async () => {
    const seed = await h.seedTenant();
    const response = await create(seed.access_token, { name: 'SPA', redirect_uris: ['http://localhost/cb', 'com.example.app:/callback'], confidential: false });
    expect(response.status, response.body).toBe(201);
    expect(response.json.data).toMatchObject({ client_secret: null, grant_types: ['authorization_code', 'refresh_token'], scopes: [...SCOPES] });
    expectValidationError(await create(seed.access_token, { name: 'SPA', redirect_uris: [], confidential: false }), {
      redirect_uris: ['The redirect uris field is required.'],
    });
    const service = await create(seed.access_token, { name: 'Service', redirect_uris: [] });
    expect(service.status).toBe(201);
  });

  it('answers every documented 422 message', async () => {
    const seed = await h.seedTenant();
    const token = seed.access_token;
    expectValidationError(await create(token, {}), { name: ['The name field is required.'] });
    expectValidationError(await create(token, { name: 'x' }), { redirect_uris: ['The redirect uris field is required.'] });
    expectValidationError(await create(token, { name: 'x'.repeat(256), redirect_uris: 'https://a.example/cb', confidential: 'yes' }), {
      name: ['The name field must not be greater than 255 characters.'],
      redirect_uris: ['The redirect uris field must be an array.'],
      confidential: ['The confidential field must be true or false.'],
    });
    const eleven = Array.from({ length: 11 }, (_, index) => `https://a.example/cb${index}`);
    expectValidationError(await create(token, { name: 'x', redirect_uris: eleven }), {
      redirect_uris: ['The redirect uris field must not have more than 10 items.'],
    });
    const https = (index: number) => `The redirect_uris.${index} field must use https (http is allowed only for 127.0.0.1, [::1] and localhost).`;
    expectValidationError(
      await create(token, {
        name: 'x',
        redirect_uris: [
          '/relative',
          'https://a.example/cb#frag',
          'http://evil.example/cb',
          'ftp://a.example/x',
          'javascript:alert(1)',
          `https://a.example/${'a'.repeat(2000)}`,
          'http://[::1]/ok',
          'https://ok.example/cb',
        ],
      }),
      {
        'redirect_uris.0': ['The redirect_uris.0 field must be a valid URL.'],
        'redirect_uris.1': ['The redirect_uris.1 field must be a valid URL.'],
        'redirect_uris.2': [https(2)],
        'redirect_uris.3': [https(3)],
        'redirect_uris.4': [https(4)],
        'redirect_uris.5': ['The redirect_uris.5 field must not be greater than 2000 characters.'],
      },
    );
    expectValidationError(await create(token, { ...ZEBRA, scopes: ['conversations:read', 'bogus', 'conversations:read'] }), {
      'scopes.0': ['The scopes.0 field has a duplicate value.'],
      'scopes.1': ['The selected scopes.1 is invalid.'],
      'scopes.2': ['The scopes.2 field has a duplicate value.'],
    });
    expectValidationError(await create(token, { ...ZEBRA, scopes: [] }), { scopes: ['The scopes field must have at least 1 items.'] });
  });

  it('needs applications.manage and a full-access token', async () => {
    const seed = await h.seedTenant();
    const agent = await memberAs(h, seed, 'Agent', 'Agent');
    expectError(await create(agent.token, ZEBRA), 403, 'forbidden');
    const allowed = await memberWith(h, seed, 'Integrator', ['applications.manage']);
    expect((await create(allowed.token, ZEBRA)).status).toBe(201);
    const narrow = await h.token(seed.user_id, { scopes: SCOPES.filter((scope) => scope !== 'account:read') });
    const refused = await create(narrow, ZEBRA);
    expectError(refused, 403, 'insufficient_scope', 'The access token does not have the required scope: account:read.');
    const two = await h.token(seed.user_id, { scopes: SCOPES.filter((scope) => scope !== 'account:read' && scope !== 'users:read') });
    expectError(await create(two, ZEBRA), 403, 'insufficient_scope', 'The access token does not have the required scope: users:read and account:read.');
    expect(refused.headers['www-authenticate']).toContain(`scope="${SCOPES.join(' ')}"`);
  });
});

describe('list, update, secret, delete', () => {
  it("lists newest first with the Laravel paginator; other tenants' ids are 404", async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const first = (await create(seed.access_token, { ...ZEBRA, name: 'First' })).json.data;
    const second = (await create(seed.access_token, { ...ZEBRA, name: 'Second' })).json.data;
    const list = await h.request({ url: '/api/v1/applications?per_page=2', token: seed.access_token });
    expect(list.status).toBe(200);
    expectPaginatorShape(list.json);
    expect(list.json.data.map((item: { id: number }) => item.id)).toEqual([second.id, first.id]);
    expect(list.json.data.every((item: { client_secret: unknown }) => item.client_secret === null)).toBe(true);
    expect(list.json.meta.total).toBe(3); // the seeded Demo App too
    expectError(await h.request({ url: `/api/v1/applications/${first.id}`, token: other.access_token }), 404, 'not_found', 'Application not found.');
    expectError(await h.request({ url: '/api/v1/applications/abc', token: seed.access_token }), 404, 'not_found');
  });

  it('updates partially; confidential cannot change; narrowed scopes apply at the next refresh', async () => {
    const seed = await h.seedTenant();
    const app = (await create(seed.access_token, ZEBRA)).json.data;
    const client = { clientId: app.client_id, secret: app.client_secret, redirectUri: ZEBRA.redirect_uris[0]!, tenantId: seed.tenant_id };
    const code = await insertCode(h, client, seed.user_id, { scopes: ['conversations:read', 'customers:read'] });
    const tokens = await postForm(h, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, ...bodyCredentials(client) });

    expectValidationError(await update(seed.access_token, app.id, { confidential: false }), { confidential: ['The confidential field cannot be changed.'] });
    const updated = await update(seed.access_token, app.id, { confidential: true, scopes: ['customers:read'], name: 'Renamed' });
    expect(updated.status, updated.body).toBe(200);
    expect(updated.json.success).toBe('Application updated successfully.');
    expect(updated.json.data).toMatchObject({ name: 'Renamed', scopes: ['customers:read'], redirect_uris: ZEBRA.redirect_uris, client_secret: null });
    const refreshed = await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token, ...bodyCredentials(client) });
    expect(refreshed.json.scope).toBe('customers:read');
  });

  it('regenerating the secret retires the old one at once; issued tokens stay valid; public apps → 422', async () => {
    const seed = await h.seedTenant();
    const app = (await create(seed.access_token, ZEBRA)).json.data;
    const issued = await postForm(h, '/oauth/token', {
      grant_type: 'client_credentials',
      scope: 'conversations:read',
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    const regenerated = await h.request({ method: 'POST', url: `/api/v1/applications/${app.id}/secret`, token: seed.access_token });
    expect(regenerated.status).toBe(200);
    expect(regenerated.json.success).toBe('Application secret regenerated successfully.');
    const secret = regenerated.json.data.client_secret;
    expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret }),
      401,
      'invalid_client',
    );
    expect((await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: app.client_id, client_secret: secret })).status).toBe(200);
    expect((await h.request({ url: '/api/v1/conversations', token: issued.json.access_token })).status).toBe(200);

    const spa = (await create(seed.access_token, { name: 'SPA', redirect_uris: ['http://127.0.0.1/cb'], confidential: false })).json.data;
    const refused = await h.request({ method: 'POST', url: `/api/v1/applications/${spa.id}/secret`, token: seed.access_token });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.json.errors)).toEqual(['confidential']);
  });

  it('delete is soft and revokes everything issued to the application', async () => {
    const seed = await h.seedTenant();
    const app = (await create(seed.access_token, ZEBRA)).json.data;
    const client = { clientId: app.client_id, secret: app.client_secret, redirectUri: ZEBRA.redirect_uris[0]!, tenantId: seed.tenant_id };
    const service = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', ...bodyCredentials(client) });
    const user = await postForm(h, '/oauth/token', {
      grant_type: 'authorization_code',
      code: await insertCode(h, client, seed.user_id),
      redirect_uri: client.redirectUri,
      ...bodyCredentials(client),
    });
    const deleted = await h.request({ method: 'DELETE', url: `/api/v1/applications/${app.id}`, token: seed.access_token });
    expectExactJson(deleted.json, { success: 'Application deleted successfully.', data: { message: 'Application deleted successfully.' } });
    expectError(await h.request({ url: '/api/v1/conversations', token: service.json.access_token }), 401, 'invalid_token');
    expectError(await h.request({ url: '/api/v1/conversations', token: user.json.access_token }), 401, 'invalid_token');
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: user.json.refresh_token, ...bodyCredentials(client) }),
      401,
      'invalid_client',
    );
    expectError(await h.request({ url: `/api/v1/applications/${app.id}`, token: seed.access_token }), 404, 'not_found');
    const [row] = await sql(h, 'SELECT deleted_at FROM oauth_clients WHERE id = $1', [app.id]);
    expect(row!.deleted_at).not.toBeNull();
  });
});
