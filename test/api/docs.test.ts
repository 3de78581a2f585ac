import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { apiRoutes } from '../../src/routes.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('API documentation', () => {
  it('generates an OpenAPI 3 document with every API route, its permission and scope', async () => {
    const response = await h.request({ url: '/api/openapi.json' });
    expect(response.status).toBe(200);
    expect(response.json.openapi).toMatch(/^3\./);
    for (const route of apiRoutes) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const operation = response.json.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation.description).toContain(`Permission: \`${route.permission}\``);
    }
    const list = response.json.paths['/api/v1/conversations'].get;
    const parameters = list.parameters.map((parameter: { name: string }) => parameter.name);
    expect(parameters).toEqual(expect.arrayContaining(['search', 'channel_type', 'per_page', 'page']));
    const item = list.responses['200'].content['application/json'].schema.properties.data.items;
    expect(Object.keys(item.properties)[14]).toBe('blacklist');
  });

  it('documents the provider webhooks: the Meta handshakes and deliveries and the Telegram URL per channel', async () => {
    const { json } = await h.request({ url: '/api/openapi.json' });
    for (const provider of ['whatsapp', 'instagram']) {
      expect(json.paths[`/webhooks/${provider}`].get.tags, provider).toEqual(['Provider webhooks']);
      expect(Object.keys(json.paths[`/webhooks/${provider}`].post.responses), provider).toEqual(['200', '400', '401', '413', '503']);
    }
    const telegram = json.paths['/webhooks/telegram/{channelId}'].post;
    expect(telegram.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['channelId', 'x-telegram-bot-api-secret-token']),
    );
  });

  it('serves the interactive page at /docs without authentication or rate limiting', async () => {
    const response = await h.request({ url: '/docs/' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
  });
});
