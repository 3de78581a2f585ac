/**
 * Headers that keep browsers and shared caches safe: /docs is never framed (clickjacking), and OAuth discovery
 * metadata built from the Host header is never stored by a shared cache (docs/oauth.md#endpoints, README "OAuth 2.0").
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';

let h: Harness;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await h?.close();
});

async function appWith(overrides: Partial<Config>): Promise<FastifyInstance> {
  const app = await buildApp({ ...h.deps, config: { ...h.deps.config, ...overrides } });
  apps.push(app);
  return app;
}

describe('/docs framing', () => {
  it('every /docs page forbids framing', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs/json']) {
      const response = await h.request({ url });
      expect(response.status, url).toBeLessThan(400);
      expect(response.headers['content-security-policy'], url).toBe("frame-ancestors 'none'");
      expect(response.headers['x-frame-options'], url).toBe('DENY');
    }
  });
});

describe('discovery metadata caching', () => {
  const metadataUrl = '/.well-known/oauth-authorization-server';

  it('built from Host: private, varying by Host', async () => {
    for (const host of ['127.0.0.1:8080', 'evil.example']) {
      const response = await h.request({ url: metadataUrl, headers: { host } });
      expect(response.json.issuer).toBe(`http://${host}`);
      expect(response.headers['cache-control']).toBe('private, max-age=300');
      expect(response.headers.vary).toBe('Host');
    }
  });

  it('built from Host behind a trusted proxy: also varies by X-Forwarded-Proto', async () => {
    const app = await appWith({ trustProxy: { hops: 1 } });
    const response = await app.inject({ url: metadataUrl, headers: { host: 'chat.example', 'x-forwarded-proto': 'https' } });
    expect(response.json().issuer).toBe('https://chat.example');
    expect(response.headers['cache-control']).toBe('private, max-age=300');
    expect(response.headers.vary).toBe('Host, X-Forwarded-Proto');
  });

  it('with PUBLIC_URL the document is the same for everyone and stays publicly cacheable', async () => {
    const app = await appWith({ publicUrl: 'https://chat.example.com' });
    const response = await app.inject({ url: metadataUrl, headers: { host: 'evil.example' } });
    expect(response.json().issuer).toBe('https://chat.example.com');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers.vary).toBeUndefined();
  });
});
