/**
 * The widget's sessions and edge (docs/channels.md#website-widget): new and resumed sessions, unknown keys and
 * tokens, token expiry, CORS per channel, pre-flights, and the per-visitor and per-IP rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { setChannelSettings, sql } from '../support/factories.js';
import { httpCall, visitorToken, widgetClient, widgetHarness, widgetKey, type WidgetClient } from '../support/widget.js';

const DAY = 86_400;
let h: Harness;
let client: WidgetClient;

beforeAll(async () => {
  ({ h, client } = await widgetHarness());
});
afterAll(() => h.close());

describe('POST /widget/v1/sessions', () => {
  it('starts a session (201) and resumes it with its token (200, the same token, expiry 30 days after use)', async () => {
    const seed = await h.seedTenant();
    const key = await widgetKey(h, seed);
    const created = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key, name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(created.status, created.body).toBe(201);
    expect(Object.keys(created.json)).toEqual(['visitor_token', 'expires_at', 'channel']);
    expect(created.json.visitor_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.json.channel).toEqual({ name: 'Website Demo', greeting: 'Hi! How can we help you?', color: '#2563eb' });
    const expected = new Date(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 30 * 86400_000).toISOString().slice(0, 19) + 'Z';
    expect(created.json.expires_at).toBe(expected);

    // Stored hashed: the token itself is nowhere in the table.
    const rows = await sql(h, 'SELECT token_digest, address, name, email FROM widget_sessions WHERE tenant_id = $1', [seed.tenant_id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.json.visitor_token);
    expect(rows[0]!.address).toMatch(/^web-[a-z0-9]{12}$/);
    expect(rows[0]).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });

    h.clock.advance(2 * DAY);
    const resumed = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key, visitor_token: created.json.visitor_token } });
    expect(resumed.status, resumed.body).toBe(200);
    expect(resumed.json.visitor_token).toBe(created.json.visitor_token);
    expect(Date.parse(resumed.json.expires_at) - Date.parse(created.json.expires_at)).toBe(2 * 86400_000);
  });

  it('starts a new session for an unknown, expired or other channel’s token', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const key = await widgetKey(h, seed);
    const otherToken = await visitorToken(client, await widgetKey(h, other));
    for (const visitor_token of ['A'.repeat(43), otherToken, 'not-a-token']) {
      const response = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key, visitor_token } });
      expect(response.status, response.body).toBe(201);
      expect(response.json.visitor_token).not.toBe(visitor_token);
    }
    const token = await visitorToken(client, key);
    h.clock.advance(31 * DAY);
    const afterExpiry = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key, visitor_token: token } });
    expect(afterExpiry.status).toBe(201);
    expect(afterExpiry.json.visitor_token).not.toBe(token);
  });

  it('answers 404 for an unknown or switched-off widget key, 422 for bad input', async () => {
    const seed = await h.seedTenant();
    const key = await widgetKey(h, seed);
    expectError(await client.call('POST', '/widget/v1/sessions', { body: { widget_key: 'nope' } }), 404, 'not_found', 'Widget not found.');
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.website]);
    expectError(await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key } }), 404, 'not_found', 'Widget not found.');

    expectValidationError(await client.call('POST', '/widget/v1/sessions', { body: {} }), { widget_key: ['The widget key field is required.'] });
    expectValidationError(await client.call('POST', '/widget/v1/sessions', { body: { widget_key: 12, name: 'x'.repeat(256), email: 'nope' } }), {
      widget_key: ['The widget key field must be a string.'],
      name: ['The name field must not be greater than 255 characters.'],
      email: ['The email field must be a valid email address.'],
    });
    // A JSON body must be an object, as everywhere in the API.
    expectError(await client.call('POST', '/widget/v1/sessions', { body: 'a string' }), 400, 'invalid_request');
    expectError(await client.call('POST', '/widget/v1/sessions', { raw: '{' }), 400, 'invalid_request', 'The request body is not valid JSON.');
    expectError(
      await client.call('POST', '/widget/v1/sessions', { raw: 'widget_key=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });
});

describe('visitor tokens', () => {
  it('refuse a missing, unknown or expired token with 401 and the spec’s message', async () => {
    const seed = await h.seedTenant();
    const token = await visitorToken(client, await widgetKey(h, seed));
    const message = 'The visitor token is invalid or has expired.';
    expectError(await client.call('GET', '/widget/v1/messages'), 401, 'unauthorized', message);
    expectError(await client.call('GET', '/widget/v1/messages', { token: 'B'.repeat(43) }), 401, 'unauthorized', message);
    expectError(await client.call('GET', '/widget/v1/messages', { headers: { authorization: 'Basic abc' } }), 401, 'unauthorized', message);
    expect((await client.call('GET', '/widget/v1/messages', { token })).status).toBe(200);
    h.clock.advance(30 * DAY + 1);
    expectError(await client.call('GET', '/widget/v1/messages', { token }), 401, 'unauthorized', message);
  });

  it('are used up 30 days after their last use, not after their creation', async () => {
    const seed = await h.seedTenant();
    const token = await visitorToken(client, await widgetKey(h, seed));
    for (let day = 0; day < 3; day++) {
      h.clock.advance(20 * DAY);
      expect((await client.call('GET', '/widget/v1/messages', { token })).status).toBe(200);
    }
  });

  it('stop working when the channel is switched off', async () => {
    const seed = await h.seedTenant();
    const token = await visitorToken(client, await widgetKey(h, seed));
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.website]);
    expectError(await client.call('GET', '/widget/v1/messages', { token }), 401, 'unauthorized');
  });
});

describe('CORS', () => {
  it('allows this server’s own origin by default and refuses others with 403', async () => {
    const seed = await h.seedTenant();
    const key = await widgetKey(h, seed);
    const own = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key }, headers: { origin: client.base } });
    expect(own.status).toBe(201);
    expect(own.headers['access-control-allow-origin']).toBe(client.base);
    expect(own.headers.vary).toContain('Origin');

    const foreign = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key }, headers: { origin: 'https://evil.example' } });
    expectError(foreign, 403, 'forbidden', 'This origin is not allowed for this widget.');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const token = own.json.visitor_token;
    const call = await client.call('GET', '/widget/v1/messages', { token, headers: { origin: 'https://evil.example' } });
    expectError(call, 403, 'forbidden', 'This origin is not allowed for this widget.');
  });

  it('allows the channel’s allowed_origins, or any origin with ["*"]', async () => {
    const seed = await h.seedTenant();
    const key = await widgetKey(h, seed);
    await setChannelSettings(h, seed.tenant_id, seed.channels.website, { allowed_origins: ['https://shop.example.com'] });
    const shop = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: key }, headers: { origin: 'https://shop.example.com' } });
    expect(shop.status).toBe(201);
    expect(shop.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const token = shop.json.visitor_token;
    const listed = await client.call('GET', '/widget/v1/messages', { token, headers: { origin: 'https://shop.example.com' } });
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect((await client.call('GET', '/widget/v1/messages', { token, headers: { origin: 'https://other.example.com' } })).status).toBe(403);

    await setChannelSettings(h, seed.tenant_id, seed.channels.website, { allowed_origins: ['*'] });
    const any = await client.call('GET', '/widget/v1/messages', { token, headers: { origin: 'https://other.example.com' } });
    expect(any.status).toBe(200);
    expect(any.headers['access-control-allow-origin']).toBe('https://other.example.com');
  });

  it('answers pre-flights 204 for any Origin, and requests without Origin get no CORS headers', async () => {
    const preflight = await client.call('OPTIONS', '/widget/v1/messages', {
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://anywhere.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('Authorization, Content-Type');

    const seed = await h.seedTenant();
    const plain = await client.call('POST', '/widget/v1/sessions', { body: { widget_key: await widgetKey(h, seed) } });
    expect(plain.status).toBe(201);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('allow FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE requests per visitor token, then 429 with Retry-After', async () => {
    const limited = await createHarness({ FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const limitedClient = await widgetClient(limited);
      const seed = await limited.seedTenant();
      const key = await widgetKey(limited, seed);
      const token = await visitorToken(limitedClient, key);
      for (let i = 0; i < 3; i++) expect((await limitedClient.call('GET', '/widget/v1/messages', { token })).status).toBe(200);
      const refused = await limitedClient.call('GET', '/widget/v1/messages', { token });
      expectError(refused, 429, 'rate_limit_exceeded');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

      // Another visitor from the same IP still gets through, until the IP's 5 × 3 = 15 requests are spent
      // (1 + 4 sessions and 4 + 1 calls so far, the refused one included).
      const second = await visitorToken(limitedClient, key);
      expect((await limitedClient.call('GET', '/widget/v1/messages', { token: second })).status).toBe(200);
      let status = 200;
      let calls = 0;
      while (status !== 429 && calls < 20) {
        calls++;
        status = (await httpCall(limitedClient.base, 'POST', '/widget/v1/sessions', { body: { widget_key: key } })).status;
      }
      expect(status).toBe(429);
      expect(calls).toBe(15 - 7 + 1);
    } finally {
      await limited.close();
    }
  });
});

describe('API docs', () => {
  it('document the widget API under its own tag', async () => {
    const response = await h.request({ url: '/api/openapi.json' });
    const paths = response.json.paths;
    for (const [path, method] of [
      ['/widget/v1/sessions', 'post'],
      ['/widget/v1/messages', 'get'],
      ['/widget/v1/messages', 'post'],
      ['/widget/v1/read', 'post'],
      ['/widget/v1/stream', 'get'],
    ] as const) {
      expect(paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['Website widget']);
    }
    expect(Object.keys(paths).filter((path) => path.startsWith('/widget/v1/*'))).toEqual([]);
  });
});

describe('with FLEXTELL_CORS_ORIGINS set for the API', () => {
  it('the widget keeps its own CORS: pre-flights for any origin, the channel’s origins for requests', async () => {
    const withApiCors = await createHarness({ FLEXTELL_CORS_ORIGINS: 'https://inbox.example.com' });
    try {
      const apiClient = await widgetClient(withApiCors);
      const preflight = await apiClient.call('OPTIONS', '/widget/v1/sessions', {
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST');

      const seed = await withApiCors.seedTenant();
      const key = await widgetKey(withApiCors, seed);
      // The API's own origin is not a widget origin.
      const inbox = await apiClient.call('POST', '/widget/v1/sessions', { body: { widget_key: key }, headers: { origin: 'https://inbox.example.com' } });
      expectError(inbox, 403, 'forbidden', 'This origin is not allowed for this widget.');
      expect(inbox.headers['access-control-allow-origin']).toBeUndefined();

      // The API keeps its CORS.
      const apiPreflight = await apiClient.call('OPTIONS', '/api/v1/conversations', {
        headers: { origin: 'https://inbox.example.com', 'access-control-request-method': 'GET' },
      });
      expect(apiPreflight.status).toBe(204);
      expect(apiPreflight.headers['access-control-allow-origin']).toBe('https://inbox.example.com');
    } finally {
      await withApiCors.close();
    }
  });
});
