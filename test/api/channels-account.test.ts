/**
 * GET /api/v1/channels (docs/domain-rules.md#channels), GET /api/v1/account/tenants (docs/domain-rules.md#account), GET /health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { TIMESTAMP } from '../support/shapes.js';
import { expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { addMembership, applicationToken, sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const CHANNEL_KEYS = ['id', 'type', 'name', 'address', 'is_active', 'settings', 'secrets', 'webhook_url', 'created_at', 'updated_at'];
const SETTINGS_KEYS = {
  whatsapp: ['agent_mode', 'phone_number_id', 'business_account_id'],
  instagram: ['agent_mode', 'account_id'],
  website: ['agent_mode', 'allowed_origins', 'greeting', 'color', 'widget_key'],
  telegram: ['agent_mode'],
};
const SECRET_KEYS = {
  whatsapp: ['access_token', 'app_secret', 'verify_token'],
  instagram: ['access_token', 'app_secret', 'verify_token'],
  website: [],
  telegram: ['bot_token', 'secret_token'],
};

describe('GET /api/v1/channels', () => {
  it('lists the tenant channels by id ascending as ChannelResource', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    await h.seedTenant({ conversations: 0 });
    const response = await h.request({ url: '/api/v1/channels', token: seed.access_token, headers: { host: 'chat.example.test:8443' } });
    expect(response.status, response.body).toBe(200);
    expectPaginatorShape(response.json);
    const base = 'http://chat.example.test:8443';
    expect(response.json.meta).toMatchObject({ current_page: 1, from: 1, last_page: 1, path: `${base}/api/v1/channels`, per_page: 15, to: 4, total: 4 });
    const data = response.json.data;
    expect(data.map((channel: any) => channel.id)).toEqual([seed.channels.whatsapp, seed.channels.instagram, seed.channels.website, seed.channels.telegram]);
    expect(data.map((channel: any) => channel.id)).toEqual([...data.map((channel: any) => channel.id)].sort((a: number, b: number) => a - b));
    const rows = await sql(h, 'SELECT id, name, address, settings FROM channels WHERE tenant_id = $1 ORDER BY id', [seed.tenant_id]);
    for (const [index, channel] of data.entries()) {
      const type = channel.type as keyof typeof SETTINGS_KEYS;
      expect(Object.keys(channel)).toEqual(CHANNEL_KEYS);
      expect(Object.keys(channel.settings), type).toEqual(SETTINGS_KEYS[type]);
      expect(channel.secrets, type).toEqual(Object.fromEntries(SECRET_KEYS[type].map((key) => [key, false])));
      expect(Object.keys(channel.secrets), type).toEqual(SECRET_KEYS[type]);
      expect([channel.name, channel.address, channel.is_active]).toEqual([rows[index]!.name, rows[index]!.address, true]);
      expect(channel.created_at).toMatch(TIMESTAMP);
      expect(channel.updated_at).toMatch(TIMESTAMP);
      expect(channel.settings.agent_mode).toBe('off');
    }
    const [whatsapp, instagram, website, telegram] = data;
    expectExactJson(whatsapp.settings, { agent_mode: 'off', phone_number_id: null, business_account_id: null });
    expectExactJson(instagram.settings, { agent_mode: 'off', account_id: null });
    expectExactJson(telegram.settings, { agent_mode: 'off' });
    expect(website.settings).toMatchObject({ agent_mode: 'off', allowed_origins: [], greeting: 'Hi! How can we help you?', color: '#2563eb' });
    expect(website.settings.widget_key).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(whatsapp.webhook_url).toBe(`${base}/webhooks/whatsapp`);
    expect(instagram.webhook_url).toBe(`${base}/webhooks/instagram`);
    expect(telegram.webhook_url).toBe(`${base}/webhooks/telegram/${seed.channels.telegram}`);
    expect(website.webhook_url).toBeNull();
  });

  it('reports stored secrets as true and never returns their values', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const secret = 'v1.k1.c2VjcmV0LWl2.U1VQRVJTRUNSRVRWQUxVRQ';
    await sql(h, `UPDATE channels SET secrets = $3, settings = settings || '{"phone_number_id":"106540352242922"}'::jsonb WHERE tenant_id = $1 AND id = $2`, [
      seed.tenant_id,
      seed.channels.whatsapp,
      JSON.stringify({ access_token: secret, verify_token: secret }),
    ]);
    const response = await h.request({ url: '/api/v1/channels?type=whatsapp', token: seed.access_token });
    const [channel] = response.json.data;
    expectExactJson(channel.secrets, { access_token: true, app_secret: false, verify_token: true });
    expect(channel.settings.phone_number_id).toBe('106540352242922');
    expect(response.body).not.toContain(secret);
  });

  it('pages and filters by type, keeping the query in links', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const paged = await h.request({ url: '/api/v1/channels?per_page=3&page=2', token: seed.access_token });
    expect(paged.json.data.map((channel: any) => channel.id)).toEqual([seed.channels.telegram]);
    expect(paged.json.meta).toMatchObject({ current_page: 2, from: 4, to: 4, last_page: 2, total: 4, per_page: 3 });
    expect(paged.json.links.first).toBe('http://127.0.0.1:8080/api/v1/channels?per_page=3&page=1');
    for (const type of ['whatsapp', 'instagram', 'website', 'telegram'] as const) {
      const response = await h.request({ url: `/api/v1/channels?type=${type}`, token: seed.access_token });
      expect(
        response.json.data.map((channel: any) => channel.id),
        type,
      ).toEqual([seed.channels[type]]);
      expect(response.json.meta.total).toBe(1);
      expect(response.json.links.first).toBe(`http://127.0.0.1:8080/api/v1/channels?type=${type}&page=1`);
    }
    expect((await h.request({ url: '/api/v1/channels?type=', token: seed.access_token })).json.meta.total).toBe(4);
  });

  it('answers 422 for a bad type or per_page', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    for (const query of ['type=sms', 'type=WhatsApp', 'type[]=whatsapp', 'type=whatsapp,telegram']) {
      expectValidationError(await h.request({ url: `/api/v1/channels?${query}`, token: seed.access_token }), { type: ['The selected type is invalid.'] });
    }
    expectValidationError(await h.request({ url: '/api/v1/channels?per_page=0&type=x', token: seed.access_token }), {
      per_page: ['The per page field must be at least 1.'],
      type: ['The selected type is invalid.'],
    });
  });
});

describe('GET /api/v1/account/tenants', () => {
  it('lists the caller tenants as a plain list with id, name, logo_url, roles', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await h.request({ url: '/api/v1/account/tenants', token: seed.access_token });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { data: [{ id: seed.tenant_id, name: `Demo Tenant ${seed.tenant_id}`, logo_url: null, roles: ['Owner'] }] });
  });

  it('ignores X-Tenant, even garbage or a foreign tenant', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const expected = { data: [{ id: seed.tenant_id, name: `Demo Tenant ${seed.tenant_id}`, logo_url: null, roles: ['Owner'] }] };
    for (const tenant of ['abc', '-1', ' 2x', '999999999', String(other.tenant_id), '']) {
      const response = await h.request({ url: '/api/v1/account/tenants', token: seed.access_token, tenant });
      expect(response.status, tenant).toBe(200);
      expectExactJson(response.json, expected);
    }
  });

  it('lists every active membership by id ascending with role names by role id', async () => {
    const first = await h.seedTenant({ conversations: 0 });
    const second = await h.seedTenant({ conversations: 0 });
    const suspended = await h.seedTenant({ conversations: 0 });
    const removed = await h.seedTenant({ conversations: 0 });
    await sql(h, `UPDATE tenants SET logo_url = 'https://cdn.example.test/logo.png' WHERE id = $1`, [second.tenant_id]);
    await addMembership(h, second.tenant_id, first.user_id, ['Viewer', 'Agent']);
    await addMembership(h, suspended.tenant_id, first.user_id, ['Admin'], { isActive: false });
    await addMembership(h, removed.tenant_id, first.user_id, ['Admin']);
    await sql(h, 'UPDATE memberships SET deleted_at = now() WHERE tenant_id = $1 AND user_id = $2', [removed.tenant_id, first.user_id]);
    const response = await h.request({ url: '/api/v1/account/tenants', token: first.access_token });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, {
      data: [
        { id: first.tenant_id, name: `Demo Tenant ${first.tenant_id}`, logo_url: null, roles: ['Owner'] },
        { id: second.tenant_id, name: `Demo Tenant ${second.tenant_id}`, logo_url: 'https://cdn.example.test/logo.png', roles: ['Agent', 'Viewer'] },
      ],
    });
  });

  it('answers an empty list for a user without memberships', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    await sql(h, 'UPDATE memberships SET deleted_at = now() WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, seed.user_id]);
    const response = await h.request({ url: '/api/v1/account/tenants', token: seed.access_token });
    expect(response.status).toBe(200);
    expectExactJson(response.json, { data: [] });
  });
});

describe('GET /api/v1/account/tenants with a client-credentials token', () => {
  it('lists its own tenant only, with no roles', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    await addMembership(h, other.tenant_id, seed.user_id, ['Owner']);
    const response = await h.request({ url: '/api/v1/account/tenants', token: await applicationToken(h, seed) });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { data: [{ id: seed.tenant_id, name: `Demo Tenant ${seed.tenant_id}`, logo_url: null, roles: [] }] });
  });
});

describe('with PUBLIC_URL set', () => {
  let p: Harness;
  beforeAll(async () => {
    p = await createHarness({ PUBLIC_URL: 'https://chat.example.com' });
  });
  afterAll(async () => p?.close());

  it('webhook_url uses PUBLIC_URL while meta.path keeps the Host header', async () => {
    const seed = await p.seedTenant({ conversations: 0 });
    const response = await p.request({ url: '/api/v1/channels', token: seed.access_token, headers: { host: 'internal.test:8080' } });
    expect(response.status, response.body).toBe(200);
    expect(response.json.meta.path).toBe('http://internal.test:8080/api/v1/channels');
    expect(response.json.data.map((channel: any) => channel.webhook_url)).toEqual([
      'https://chat.example.com/webhooks/whatsapp',
      'https://chat.example.com/webhooks/instagram',
      null,
      `https://chat.example.com/webhooks/telegram/${seed.channels.telegram}`,
    ]);
  });
});

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} without authentication', async () => {
    const response = await h.request({ url: '/health' });
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"status":"ok"}');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});
