/**
 * /api/v1/webhook-endpoints (docs/webhooks.md#endpoints): the resource, the secret shown once and sealed at rest,
 * rotation, the 20-endpoint limit, the URL rules and their SSRF refusals, disabling and deleting, permission and scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { memberAs, sql } from '../support/factories.js';
import { TIMESTAMP } from '../support/shapes.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { SCOPES } from '../../src/modules/oauth/scopes.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' });
});
afterAll(async () => h?.close());

const ENDPOINT_KEYS = [
  'id',
  'url',
  'description',
  'event_types',
  'enabled',
  'disabled_reason',
  'disabled_at',
  'failing_since',
  'secret',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
];
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const RECEIVER = 'http://127.0.0.1:9/hook';

function call(seed: SeedResult, method: string, url: string, body?: unknown, token = seed.access_token) {
  return h.request({ method, url, token, tenant: seed.tenant_id, ...(body === undefined ? {} : { body }) });
}

async function create(seed: SeedResult, body: Record<string, unknown> = {}): Promise<any> {
  const response = await call(seed, 'POST', '/api/v1/webhook-endpoints', { url: RECEIVER, event_types: ['message.created'], ...body });
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

describe('webhook endpoints', () => {
  it('creates an endpoint with its secret shown once, then reads, lists, updates and deletes it', async () => {
    const seed = await h.seedTenant();
    const response = await call(seed, 'POST', '/api/v1/webhook-endpoints', {
      url: RECEIVER,
      description: 'CRM sync',
      event_types: ['message.created', 'conversation.updated'],
    });
    expect(response.status).toBe(201);
    expect(response.json.success).toBe('Webhook endpoint created successfully.');
    const created = response.json.data;
    expect(Object.keys(created)).toEqual(ENDPOINT_KEYS);
    expect(created).toMatchObject({
      url: RECEIVER,
      description: 'CRM sync',
      event_types: ['message.created', 'conversation.updated'],
      enabled: true,
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      previous_secret_expires_at: null,
    });
    expect(created.secret).toMatch(SECRET);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created.created_at).toMatch(TIMESTAMP);

    const shown = await call(seed, 'GET', `/api/v1/webhook-endpoints/${created.id}`);
    expectExactJson(shown.json, { success: 'Webhook endpoint retrieved successfully.', data: { ...created, secret: null } });
    const list = await call(seed, 'GET', '/api/v1/webhook-endpoints');
    expectPaginatorShape(list.json);
    expect(list.json.data).toEqual([{ ...created, secret: null }]);

    h.clock.advance(60);
    const updated = await call(seed, 'PUT', `/api/v1/webhook-endpoints/${created.id}`, { description: null, event_types: ['*'] });
    expect(updated.status).toBe(200);
    expect(updated.json.success).toBe('Webhook endpoint updated successfully.');
    expect(updated.json.data).toMatchObject({ url: RECEIVER, description: null, event_types: ['*'], secret: null });
    expect(updated.json.data.updated_at).not.toBe(created.updated_at);

    const deleted = await call(seed, 'DELETE', `/api/v1/webhook-endpoints/${created.id}`);
    expectExactJson(deleted.json, { success: 'Webhook endpoint deleted successfully.', data: { message: 'Webhook endpoint deleted successfully.' } });
    expectError(await call(seed, 'GET', `/api/v1/webhook-endpoints/${created.id}`), 404, 'not_found', 'Webhook endpoint not found.');
    expectError(await call(seed, 'GET', `/api/v1/webhook-endpoints/${created.id}/deliveries`), 404, 'not_found', 'Webhook endpoint not found.');
    expect((await call(seed, 'GET', '/api/v1/webhook-endpoints')).json.data).toEqual([]);
  });

  it('never stores the secret in clear: the row holds a ciphertext bound to its endpoint', async () => {
    const seed = await h.seedTenant();
    const created = await create(seed);
    const [row] = await sql(h, 'SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, created.id]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(created.secret);
    expect(stored).not.toContain(created.secret.slice(6));
    expect(stored).not.toContain(Buffer.from(created.secret.slice(6), 'base64').toString('hex'));
    expect(row!.secret_sealed).toMatch(/^v1\./);
    expect(h.deps.box.decrypt(row!.secret_sealed, `webhook:${seed.tenant_id}:${created.id}`)).toBe(created.secret);
    expect(() => h.deps.box.decrypt(row!.secret_sealed, `webhook:${seed.tenant_id}:${created.id + 1}`)).toThrow();
  });

  it('rotates the secret with an overlap, drops an older previous secret, and drops it at once with overlap 0', async () => {
    const seed = await h.seedTenant();
    const created = await create(seed);
    const rotated = await call(seed, 'POST', `/api/v1/webhook-endpoints/${created.id}/secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.json.success).toBe('Webhook endpoint secret rotated successfully.');
    expect(rotated.json.data.secret).toMatch(SECRET);
    expect(rotated.json.data.secret).not.toBe(created.secret);
    const expires = new Date(h.clock.now().getTime() + 86400 * 1000).toISOString().slice(0, 19) + 'Z';
    expect(rotated.json.data.previous_secret_expires_at).toBe(expires);
    expect((await call(seed, 'GET', `/api/v1/webhook-endpoints/${created.id}`)).json.data).toMatchObject({ secret: null, previous_secret_expires_at: expires });

    const again = await call(seed, 'POST', `/api/v1/webhook-endpoints/${created.id}/secret`, { overlap_seconds: 0 });
    expect(again.json.data.previous_secret_expires_at).toBeNull();
    const [row] = await sql(h, 'SELECT previous_secret_sealed FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, created.id]);
    expect(row!.previous_secret_sealed).toBeNull();

    expectValidationError(await call(seed, 'POST', `/api/v1/webhook-endpoints/${created.id}/secret`, { overlap_seconds: 604801 }), {
      overlap_seconds: ['The overlap seconds field must not be greater than 604800.'],
    });
  });

  it('keeps at most 20 live endpoints per tenant; a deleted one frees its place', async () => {
    const seed = await h.seedTenant();
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await create(seed)).id);
    expectError(
      await call(seed, 'POST', '/api/v1/webhook-endpoints', { url: RECEIVER, event_types: ['*'] }),
      409,
      'conflict',
      'A tenant can have at most 20 webhook endpoints.',
    );
    expect(await call(seed, 'DELETE', `/api/v1/webhook-endpoints/${ids[0]}`)).toMatchObject({ status: 200 });
    await create(seed);
  });

  it('holds the limit under concurrent creates', async () => {
    const seed = await h.seedTenant();
    const body = { url: RECEIVER, event_types: ['*'] };
    const answers = await Promise.all(Array.from({ length: 24 }, () => call(seed, 'POST', '/api/v1/webhook-endpoints', body)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(20);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(4);
    expect((await sql(h, 'SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1', [seed.tenant_id]))[0]!.n).toBe(20);
  });

  it('answers the documented 422 messages for the body', async () => {
    const seed = await h.seedTenant();
    const post = (body: unknown) => call(seed, 'POST', '/api/v1/webhook-endpoints', body);
    expectValidationError(await post({}), { url: ['The url field is required.'], event_types: ['The event types field is required.'] });
    expectValidationError(await post({ url: RECEIVER, event_types: [] }), { event_types: ['The event types field is required.'] });
    expectValidationError(await post({ url: RECEIVER, event_types: ['message.sent'] }), { 'event_types.0': ['The selected event_types.0 is invalid.'] });
    expectValidationError(await post({ url: RECEIVER, event_types: ['message.created', 'message.created'] }), {
      'event_types.1': ['The event_types.1 field has a duplicate value.'],
    });
    expectValidationError(await post({ url: RECEIVER, event_types: ['*', 'message.created'] }), {
      event_types: ['The event types field must be ["*"] or a list of event types.'],
    });
    for (const url of ['/hook', 'ftp://example.com/hook', 'https://user:pw@example.com/hook', 'https://example.com/hook#part', 'https://example.com/#']) {
      expectValidationError(await post({ url, event_types: ['*'] }), { url: ['The url field must be a valid URL.'] });
    }
    expectValidationError(await post({ url: `https://example.com/${'a'.repeat(2000)}`, event_types: ['*'] }), {
      url: ['The url field must not be greater than 2000 characters.'],
    });
    expectValidationError(await post({ url: 'https://no-such-host.invalid/hook', event_types: ['*'] }), { url: ['The url host could not be resolved.'] });
    expect((await sql(h, 'SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1', [seed.tenant_id]))[0]!.n).toBe(0);
  });

  it('refuses loopback, private, link-local, metadata and reserved addresses outside the allowed networks', async () => {
    const seed = await h.seedTenant();
    const post = (url: string) => call(seed, 'POST', '/api/v1/webhook-endpoints', { url, event_types: ['*'] });
    const PUBLIC = 'The url field must point to a public address.';
    for (const host of [
      '127.0.0.2',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '[::1]',
      '[fd00:ec2::254]',
      '[fe80::1]',
      '[::ffff:10.0.0.1]',
      '[64:ff9b::a00:1]',
      '[2002:a00:1::]',
    ]) {
      expectValidationError(await post(`https://${host}/hook`), { url: [PUBLIC] });
    }
    // http is for the allowed networks only; the https rule comes before the address rule.
    const HTTPS = 'The url field must use https (http is allowed only for addresses in FLEXTELL_WEBHOOK_ALLOWED_NETWORKS).';
    expectValidationError(await post('http://10.0.0.5/hook'), { url: [HTTPS] });
    expectValidationError(await post('http://example.com/hook'), { url: [HTTPS] });
    // 127.0.0.1 is in this harness's FLEXTELL_WEBHOOK_ALLOWED_NETWORKS, over http or https.
    expect((await post('http://127.0.0.1:8443/hook')).status).toBe(201);
    expect((await post('https://127.0.0.1/hook')).status).toBe(201);
    // A URL change is checked again.
    const endpoint = await create(seed);
    expectValidationError(await call(seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { url: 'https://192.168.0.10/x' }), { url: [PUBLIC] });
  });

  it('disables by PUT with reason manual and enables again, clearing the reason', async () => {
    const seed = await h.seedTenant();
    const endpoint = await create(seed);
    const disabled = await call(seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: false });
    expect(disabled.json.data).toMatchObject({ enabled: false, disabled_reason: 'manual', disabled_at: expect.stringMatching(TIMESTAMP) });
    const enabled = await call(seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.json.data).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null, failing_since: null });
    const createdDisabled = await create(seed, { enabled: false });
    expect(createdDisabled).toMatchObject({ enabled: false, disabled_reason: 'manual' });
  });

  it('needs webhooks.manage (Owner and Admin) and a full-access token', async () => {
    const seed = await h.seedTenant();
    const agent = await memberAs(h, seed, 'Agent', 'Agent');
    expectError(await call(seed, 'GET', '/api/v1/webhook-endpoints', undefined, agent.token), 403, 'forbidden');
    const admin = await memberAs(h, seed, 'Admin', 'Admin');
    expect((await call(seed, 'GET', '/api/v1/webhook-endpoints', undefined, admin.token)).status).toBe(200);
    const narrow = await h.token(seed.user_id, { scopes: SCOPES.filter((scope) => scope !== 'customers:read') });
    expectError(await call(seed, 'GET', '/api/v1/webhook-endpoints', undefined, narrow), 403, 'insufficient_scope');
  });
});
