/**
 * GET/POST/PUT /api/v1/channels/{id} (docs/channels.md#channel-management): exact bodies, settings rules per type,
 * sealed secrets, routing-key uniqueness across tenants (also under concurrency), partial updates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import { expectError, expectExactJson, expectValidationError } from '../support/assertions.js';
import { memberAs, sql } from '../support/factories.js';
import { formatTimestamp } from '../../src/platform/clock.js';
import { openChannelSecrets, verifyTokenDigest } from '../../src/modules/channels/channel-secrets.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  h.clock.set('2026-11-24T19:00:00Z');
});
afterAll(async () => h?.close());

let counter = 0;
/** Provider ids unique in this file's database. */
function unique(): string {
  counter += 1;
  return `${Date.now() % 1_000_000}${process.pid % 1000}${counter}`.slice(0, 20);
}

function post(seed: SeedResult, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'POST', url: '/api/v1/channels', token, tenant: seed.tenant_id, body, headers: { host: 'chat.example.test' } });
}

function put(seed: SeedResult, id: number, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'PUT', url: `/api/v1/channels/${id}`, token, tenant: seed.tenant_id, body, headers: { host: 'chat.example.test' } });
}

function whatsappBody(phone = unique()) {
  return {
    type: 'whatsapp',
    name: 'Zebrafoot WhatsApp',
    address: '+15551234567',
    settings: {
      phone_number_id: phone,
      business_account_id: '102290129340398',
      access_token: `EAAB-${unique()}-secret-access`,
      app_secret: `3f6c-${unique()}-app-secret`,
      verify_token: `zebra-verify-${unique()}`,
      agent_mode: 'autonomous',
    },
  };
}

function botToken(botId = unique()): string {
  return `${botId}:AAH${unique()}abcdefghijklmnopqrstuvwxyz`;
}

async function row(tenantId: number, id: number): Promise<Record<string, any>> {
  return (await sql(h, 'SELECT * FROM channels WHERE tenant_id = $1 AND id = $2', [tenantId, id]))[0]!;
}

describe('POST /api/v1/channels', () => {
  it('creates a WhatsApp channel: 201 with the exact ChannelResource, secrets only as flags', async () => {
    const seed = await h.seedTenant();
    const body = whatsappBody();
    const response = await post(seed, body);
    expect(response.status, response.body).toBe(201);
    const id = response.json.data.id;
    expect(Number.isInteger(id)).toBe(true);
    const at = formatTimestamp(h.clock.now());
    expectExactJson(response.json, {
      success: 'Channel created successfully.',
      data: {
        id,
        type: 'whatsapp',
        name: 'Zebrafoot WhatsApp',
        address: '+15551234567',
        is_active: true,
        settings: { agent_mode: 'autonomous', phone_number_id: body.settings.phone_number_id, business_account_id: '102290129340398' },
        secrets: { access_token: true, app_secret: true, verify_token: true },
        webhook_url: 'http://chat.example.test/webhooks/whatsapp',
        created_at: at,
        updated_at: at,
      },
    });
    const get = await h.request({ url: `/api/v1/channels/${id}`, token: seed.access_token, tenant: seed.tenant_id, headers: { host: 'chat.example.test' } });
    expect(get.status).toBe(200);
    expectExactJson(get.json, { success: 'Channel retrieved successfully.', data: response.json.data });
  });

  it('creates Instagram, Telegram (secret token generated) and website channels (widget key, defaults)', async () => {
    const seed = await h.seedTenant();
    const account = unique();
    const instagram = await post(seed, {
      type: 'instagram',
      name: 'IG',
      address: '@zebrafoot',
      settings: { account_id: account, access_token: 'IGQ-token', app_secret: 'ig-secret', verify_token: 'ig-verify', unknown_key: 'ignored' },
    });
    expect(instagram.status, instagram.body).toBe(201);
    expectExactJson(instagram.json.data.settings, { agent_mode: 'off', account_id: account });
    expectExactJson(instagram.json.data.secrets, { access_token: true, app_secret: true, verify_token: true });
    expect(instagram.json.data.webhook_url).toBe('http://chat.example.test/webhooks/instagram');

    const token = botToken();
    const telegram = await post(seed, { type: 'telegram', name: 'Bot', address: '@zebra_bot', is_active: true, settings: { bot_token: token } });
    expect(telegram.status, telegram.body).toBe(201);
    const telegramId = telegram.json.data.id;
    expectExactJson(telegram.json.data.settings, { agent_mode: 'off' });
    expectExactJson(telegram.json.data.secrets, { bot_token: true, secret_token: true });
    expect(telegram.json.data.webhook_url).toBe(`http://chat.example.test/webhooks/telegram/${telegramId}`);
    const opened = openChannelSecrets(h.deps.box, (await row(seed.tenant_id, telegramId)) as any);
    expect(opened.bot_token).toBe(token);
    expect(opened.secret_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await row(seed.tenant_id, telegramId)).routing_key).toBe(token.split(':')[0]);

    const website = await post(seed, { type: 'website', name: 'Shop', address: 'https://shop.example.com' });
    expect(website.status, website.body).toBe(201);
    expect(Object.keys(website.json.data.settings)).toEqual(['agent_mode', 'allowed_origins', 'greeting', 'color', 'widget_key']);
    expect(website.json.data.settings).toMatchObject({ agent_mode: 'off', allowed_origins: [], greeting: 'Hi! How can we help you?', color: '#2563eb' });
    expect(website.json.data.settings.widget_key).toMatch(/^[A-Za-z0-9]{24}$/);
    expectExactJson(website.json.data.secrets, {});
    expect(website.json.data.webhook_url).toBeNull();
    // widget_key is read-only: a sent one is ignored.
    const custom = await post(seed, {
      type: 'website',
      name: 'Shop 2',
      address: 'https://two.example.com',
      settings: { widget_key: 'mine', allowed_origins: ['https://two.example.com', 'http://localhost:3000'], color: '#ABCDEF', greeting: null },
    });
    expect(custom.status, custom.body).toBe(201);
    expect(custom.json.data.settings.widget_key).not.toBe('mine');
    expect(custom.json.data.settings).toMatchObject({
      allowed_origins: ['https://two.example.com', 'http://localhost:3000'],
      color: '#ABCDEF',
      greeting: null,
    });
    const star = await post(seed, { type: 'website', name: 'Any', address: 'x', is_active: false, settings: { allowed_origins: ['*'] } });
    expect([star.status, star.json.data.is_active]).toEqual([201, false]);
  });

  it('stores no secret value in clear anywhere in the row; the verify token also as its digest', async () => {
    const seed = await h.seedTenant();
    const whatsapp = whatsappBody();
    const instagram = {
      type: 'instagram',
      name: 'IG',
      address: '@ig',
      settings: { account_id: unique(), access_token: `ig-access-${unique()}`, app_secret: `ig-app-${unique()}`, verify_token: `ig-verify-${unique()}` },
    };
    const telegram = { type: 'telegram', name: 'TG', address: '@tg', settings: { bot_token: botToken(), secret_token: `tg_secret-${unique()}` } };
    for (const body of [whatsapp, instagram, telegram]) {
      const response = await post(seed, body);
      expect(response.status, response.body).toBe(201);
      const stored = await row(seed.tenant_id, response.json.data.id);
      const text = JSON.stringify(stored);
      const secretKeys = body.type === 'telegram' ? ['bot_token', 'secret_token'] : ['access_token', 'app_secret', 'verify_token'];
      for (const key of secretKeys) {
        const value = (body.settings as Record<string, string>)[key]!;
        expect(text, key).not.toContain(value);
        expect(stored.secrets[key], key).toMatch(/^v1\.[^.]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(stored.settings[key], key).toBeUndefined();
        expect(response.body, key).not.toContain(value);
      }
      if (body.type === 'telegram') expect(text).not.toContain(telegram.settings.bot_token.split(':')[1]);
      expect(openChannelSecrets(h.deps.box, stored as any)).toEqual(Object.fromEntries(secretKeys.map((key) => [key, (body.settings as any)[key]])));
      const verify = (body.settings as Record<string, string>).verify_token;
      expect(stored.verify_token_digest).toBe(verify ? verifyTokenDigest(h.deps.box, verify) : null);
    }
  });

  it('answers 422 per rule with dotted keys and stores nothing', async () => {
    const seed = await h.seedTenant();
    const before = await sql(h, 'SELECT count(*)::int AS n FROM channels');
    expectValidationError(await post(seed, {}), {
      type: ['The type field is required.'],
      name: ['The name field is required.'],
      address: ['The address field is required.'],
    });
    expectValidationError(await post(seed, { type: 'sms', name: 'x'.repeat(256), address: 'a' }), {
      type: ['The selected type is invalid.'],
      name: ['The name field must not be greater than 255 characters.'],
    });
    expectValidationError(await post(seed, { type: 'whatsapp', name: 'W', address: 'a' }), { settings: ['The settings field is required.'] });
    expectValidationError(await post(seed, { type: 'telegram', name: 'W', address: 'a', settings: 'x' }), {
      settings: ['The settings field must be an object.'],
    });
    expectValidationError(
      await post(seed, {
        type: 'whatsapp',
        name: 'W',
        address: 'a',
        settings: { agent_mode: 'loud', phone_number_id: '12ab', business_account_id: '1'.repeat(33), app_secret: 's'.repeat(256), verify_token: 42 },
      }),
      {
        'settings.agent_mode': ['The selected settings.agent mode is invalid.'],
        'settings.phone_number_id': ['The settings.phone number id field format is invalid.'],
        'settings.business_account_id': ['The settings.business account id field format is invalid.'],
        'settings.access_token': ['The settings.access token field is required.'],
        'settings.app_secret': ['The settings.app secret field must not be greater than 255 characters.'],
        'settings.verify_token': ['The settings.verify token field must be a string.'],
      },
    );
    expectValidationError(await post(seed, { type: 'instagram', name: 'I', address: 'a', settings: { account_id: 12345, access_token: 'a'.repeat(4097) } }), {
      'settings.account_id': ['The settings.account id field must be a string.'],
      'settings.access_token': ['The settings.access token field must not be greater than 4096 characters.'],
      'settings.app_secret': ['The settings.app secret field is required.'],
      'settings.verify_token': ['The settings.verify token field is required.'],
    });
    expectValidationError(await post(seed, { type: 'telegram', name: 'T', address: 'a', settings: { bot_token: '12:short', secret_token: 'has space' } }), {
      'settings.bot_token': ['The settings.bot token field format is invalid.'],
      'settings.secret_token': ['The settings.secret token field format is invalid.'],
    });
    expectValidationError(
      await post(seed, {
        type: 'website',
        name: 'S',
        address: 'a',
        settings: { allowed_origins: ['https://shop.example.com/path'], greeting: 'g'.repeat(501), color: 'blue' },
      }),
      {
        'settings.allowed_origins.0': ['The settings.allowed_origins.0 field format is invalid.'],
        'settings.greeting': ['The settings.greeting field must not be greater than 500 characters.'],
        'settings.color': ['The settings.color field format is invalid.'],
      },
    );
    expectValidationError(await post(seed, { type: 'website', name: 'S', address: 'a', settings: { allowed_origins: ['*', 'https://a.example.com'] } }), {
      'settings.allowed_origins': ['The settings.allowed origins field format is invalid.'],
    });
    const tooMany = Array.from({ length: 21 }, (_, index) => `https://s${index}.example.com`);
    expectValidationError(await post(seed, { type: 'website', name: 'S', address: 'a', settings: { allowed_origins: tooMany } }), {
      'settings.allowed_origins': ['The settings.allowed origins field must not have more than 20 items.'],
    });
    expectValidationError(await post(seed, { type: 'website', name: 'S', address: 'a', is_active: 'maybe' }), {
      is_active: ['The is active field must be true or false.'],
    });
    expect(await sql(h, 'SELECT count(*)::int AS n FROM channels')).toEqual(before);
  });

  it('needs channels.manage and the channels:write scope', async () => {
    const seed = await h.seedTenant();
    const viewer = await memberAs(h, seed, 'Vera Viewer', 'Viewer');
    expectError(await post(seed, { type: 'website', name: 'S', address: 'a' }, viewer.token), 403, 'forbidden');
    const readOnly = await h.token(seed.user_id, { scopes: ['conversations:read'], tenant: seed.tenant_id });
    expect((await post(seed, { type: 'website', name: 'S', address: 'a' }, readOnly)).status).toBe(403);
    const get = await h.request({ url: `/api/v1/channels/${seed.channels.website}`, token: viewer.token, tenant: seed.tenant_id });
    expect(get.status).toBe(200);
  });
});

describe('uniqueness of provider accounts among live channels', () => {
  it('refuses a WhatsApp number, Instagram account or Telegram bot live in another tenant; switching back on checks again', async () => {
    const first = await h.seedTenant();
    const second = await h.seedTenant();
    const phone = unique();
    const created = await post(first, whatsappBody(phone));
    expect(created.status, created.body).toBe(201);
    expectValidationError(await post(second, whatsappBody(phone)), { 'settings.phone_number_id': ['The settings.phone number id has already been taken.'] });
    expectValidationError(await post(first, whatsappBody(phone)), { 'settings.phone_number_id': ['The settings.phone number id has already been taken.'] });

    const account = unique();
    const ig = { type: 'instagram', name: 'I', address: 'a', settings: { account_id: account, access_token: 'a', app_secret: 'b', verify_token: 'c' } };
    expect((await post(first, ig)).status).toBe(201);
    expectValidationError(await post(second, ig), { 'settings.account_id': ['The settings.account id has already been taken.'] });

    const botId = unique();
    expect((await post(first, { type: 'telegram', name: 'T', address: 'a', settings: { bot_token: botToken(botId) } })).status).toBe(201);
    // Another token of the same bot (the digits before the colon) is the same bot.
    expectValidationError(await post(second, { type: 'telegram', name: 'T', address: 'a', settings: { bot_token: botToken(botId) } }), {
      'settings.bot_token': ['The settings.bot token has already been taken.'],
    });

    // Switched off, the number is free; switching the first back on is then refused and changes nothing.
    const firstId = created.json.data.id;
    expect((await put(first, firstId, { is_active: false })).json.data.is_active).toBe(false);
    const moved = await post(second, whatsappBody(phone));
    expect(moved.status, moved.body).toBe(201);
    expectValidationError(await put(first, firstId, { is_active: true, name: 'Back on' }), {
      'settings.phone_number_id': ['The settings.phone number id has already been taken.'],
    });
    expect(await row(first.tenant_id, firstId)).toMatchObject({ is_active: false, name: 'Zebrafoot WhatsApp' });
    // A PUT moving a live channel onto a taken number is refused too.
    const other = await post(first, whatsappBody());
    expectValidationError(await put(first, other.json.data.id, { settings: { phone_number_id: phone } }), {
      'settings.phone_number_id': ['The settings.phone number id has already been taken.'],
    });
  });

  it('lets exactly one of concurrent creates win; the others get 422, never 500', async () => {
    const tenants = [await h.seedTenant(), await h.seedTenant(), await h.seedTenant()];
    const phone = unique();
    const responses = await Promise.all(tenants.map((seed) => post(seed, whatsappBody(phone))));
    expect(responses.map((response) => response.status).sort()).toEqual([201, 422, 422]);
    for (const response of responses.filter((each) => each.status === 422)) {
      expectValidationError(response, { 'settings.phone_number_id': ['The settings.phone number id has already been taken.'] });
    }
    const live = await sql(h, "SELECT count(*)::int AS n FROM channels WHERE type = 'whatsapp' AND routing_key = $1 AND is_active", [phone]);
    expect(live[0]!.n).toBe(1);
  });

  it('is enforced by the database too: a second live row with the same routing key is refused', async () => {
    const seed = await h.seedTenant();
    const phone = unique();
    expect((await post(seed, whatsappBody(phone))).status).toBe(201);
    await expect(
      sql(h, "INSERT INTO channels (tenant_id, type, name, address, routing_key) VALUES ($1, 'whatsapp', 'x', 'x', $2)", [seed.tenant_id, phone]),
    ).rejects.toThrow(/channels_live_routing_key|duplicate key/);
    await sql(h, "INSERT INTO channels (tenant_id, type, name, address, routing_key, is_active) VALUES ($1, 'whatsapp', 'x', 'x', $2, false)", [
      seed.tenant_id,
      phone,
    ]);
  });
});

describe('PUT /api/v1/channels/{id}', () => {
  it('is partial: absent fields and settings keys keep their values, secrets are never resent', async () => {
    const seed = await h.seedTenant();
    const body = whatsappBody();
    const id = (await post(seed, body)).json.data.id;
    const sealed = (await row(seed.tenant_id, id)).secrets;
    h.clock.advance(60);
    const renamed = await put(seed, id, { name: 'Renamed' });
    expect(renamed.status, renamed.body).toBe(200);
    expect(renamed.json.success).toBe('Channel updated successfully.');
    expect(renamed.json.data).toMatchObject({
      name: 'Renamed',
      address: '+15551234567',
      is_active: true,
      secrets: { access_token: true, app_secret: true, verify_token: true },
    });
    expect(renamed.json.data.updated_at).toBe(formatTimestamp(h.clock.now()));
    expect(renamed.json.data.updated_at).not.toBe(renamed.json.data.created_at);
    expect((await row(seed.tenant_id, id)).secrets).toEqual(sealed);

    const mode = await put(seed, id, { type: 'whatsapp', settings: { agent_mode: 'copilot' } });
    expectExactJson(mode.json.data.settings, { agent_mode: 'copilot', phone_number_id: body.settings.phone_number_id, business_account_id: '102290129340398' });
    const token = await put(seed, id, { settings: { access_token: 'EAAB-new-token', verify_token: 'new-verify' } });
    expect(token.status, token.body).toBe(200);
    const stored = await row(seed.tenant_id, id);
    expect(stored.secrets.app_secret).toBe(sealed.app_secret);
    expect(stored.secrets.access_token).not.toBe(sealed.access_token);
    expect(openChannelSecrets(h.deps.box, stored as any)).toEqual({
      access_token: 'EAAB-new-token',
      app_secret: body.settings.app_secret,
      verify_token: 'new-verify',
    });
    expect(stored.verify_token_digest).toBe(verifyTokenDigest(h.deps.box, 'new-verify'));

    // null clears an optional key and fails `required` for a required one.
    const cleared = await put(seed, id, { settings: { business_account_id: null } });
    expect(cleared.json.data.settings.business_account_id).toBeNull();
    expectValidationError(await put(seed, id, { settings: { access_token: null, phone_number_id: null } }), {
      'settings.phone_number_id': ['The settings.phone number id field is required.'],
      'settings.access_token': ['The settings.access token field is required.'],
    });
    expectValidationError(await put(seed, id, { name: null, settings: [] }), {
      name: ['The name field must be a string.'],
      settings: ['The settings field must be an object.'],
    });
  });

  it('refuses to change the type', async () => {
    const seed = await h.seedTenant();
    expectValidationError(await put(seed, seed.channels.website, { type: 'telegram', name: 'x' }), { type: ['The type field cannot be changed.'] });
    expectValidationError(await put(seed, seed.channels.website, { type: 'fax' }), { type: ['The selected type is invalid.'] });
    expect((await put(seed, seed.channels.website, { type: 'website' })).status).toBe(200);
  });

  it('lets a seeded channel without credentials be updated without them; given them, it stores them', async () => {
    const seed = await h.seedTenant();
    const partial = await put(seed, seed.channels.whatsapp, { settings: { agent_mode: 'autonomous' } });
    expect(partial.status, partial.body).toBe(200);
    expect(partial.json.data.settings).toMatchObject({ agent_mode: 'autonomous', phone_number_id: null });
    expectExactJson(partial.json.data.secrets, { access_token: false, app_secret: false, verify_token: false });
    const telegram = await put(seed, seed.channels.telegram, { settings: { bot_token: botToken() } });
    expectExactJson(telegram.json.data.secrets, { bot_token: true, secret_token: false });
    const website = await put(seed, seed.channels.website, { settings: { color: null, allowed_origins: ['*'] } });
    expect(website.json.data.settings).toMatchObject({ color: '#2563eb', allowed_origins: ['*'] });
    expect(website.json.data.settings.widget_key).toMatch(/^[A-Za-z0-9]{24}$/);
  });

  it("answers 404 for another tenant's channel, an unknown or a malformed id, and changes nothing", async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    for (const id of [other.channels.whatsapp, 999_999_999, 'abc', '0']) {
      expectError(await put(seed, id as number, { name: 'Stolen' }), 404, 'not_found', 'Channel not found.');
      const get = await h.request({ url: `/api/v1/channels/${id}`, token: seed.access_token, tenant: seed.tenant_id });
      expectError(get, 404, 'not_found', 'Channel not found.');
    }
    expect((await row(other.tenant_id, other.channels.whatsapp)).name).not.toBe('Stolen');
  });
});
