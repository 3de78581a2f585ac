/**
 * The inbox served at /app (docs/inbox.md#serving): the shell on every in-app path with its CSP and CSRF meta, hashed
 * assets with long caching and compression, JSON 404/405 under /app, `/` leading there, and FLEXTELL_INBOX=false.
 */
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { builtAssets, ensureInboxBuilt } from '../support/inbox.js';
import { inboxBuildWarning, inboxRoutes } from '../../src/modules/inbox/inbox-routes.js';

let h: Harness;
beforeAll(async () => {
  ensureInboxBuilt();
  h = await createHarness();
});
afterAll(async () => h?.close());

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

describe('the inbox shell', () => {
  it.each(['/app', '/app/', '/app/t/1', '/app/t/1/c/2?q=hello', '/app/callback?code=x&state=y'])('GET %s answers the shell with its headers', async (url) => {
    const response = await h.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:8080' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'content-security-policy': CSP,
    });
    expect(response.body).toContain('<div id="root"></div>');
    expect(response.body).toMatch(/<meta name="flextell-csrf" content="[A-Za-z0-9_-]{43}">/);
    // No inline script or style: the one script is an asset of this origin.
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.body).not.toMatch(/<style|style="/);
    expect(String(response.headers['set-cookie'])).toMatch(/^flextell_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=\//);
  });

  it('keeps the visitor session it was sent, so the sign-out form posts its CSRF token', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/app' });
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const again = await h.app.inject({ method: 'GET', url: '/app/t/5', headers: { cookie } });
    expect(again.headers['set-cookie']).toBeUndefined();
    const token = (body: string) => /flextell-csrf" content="([^"]+)"/.exec(body)![1];
    expect(token(again.body)).toBe(token(first.body));
  });

  it('GET / leads to the inbox', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/' });
    expect([response.statusCode, response.headers.location]).toEqual([302, '/app/']);
  });

  it('other methods answer 405 with Allow: GET, HEAD', async () => {
    for (const url of ['/app', '/app/t/1']) {
      const response = await h.app.inject({ method: 'POST', url, payload: {} });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(response.json()).toMatchObject({ error: 'method_not_allowed' });
    }
  });
});

describe('the inbox assets', () => {
  it('serves each hashed asset immutable with an ETag, gzip or brotli when accepted', async () => {
    const { js, css } = builtAssets();
    expect(js.length).toBeGreaterThan(0);
    expect(css.length).toBeGreaterThan(0);
    for (const name of [...js, ...css]) expect(name).toMatch(/^[\w-]+-[\w-]{8}\.(js|css)$/);
    const url = `/app/assets/${js[0]}`;
    const plain = await h.app.inject({ method: 'GET', url });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    expect(plain.headers.etag).toMatch(/^"[\w-]{27}"$/);
    const gzip = await h.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);
    const brotli = await h.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(brotli.rawPayload).toString()).toBe(plain.body);
    const cached = await h.app.inject({ method: 'GET', url, headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(cached.statusCode).toBe(304);
  });

  it('an unknown asset is a JSON 404, never the shell', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/app/assets/nothing-12345678.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: expect.any(String) });
  });

  it('the first screen weighs at most 200 KB gzip of JavaScript and CSS', async () => {
    const { js, css } = builtAssets();
    let total = 0;
    for (const name of [...js, ...css]) {
      const response = await h.app.inject({ method: 'GET', url: `/app/assets/${name}`, headers: { 'accept-encoding': 'gzip' } });
      total += response.rawPayload.length;
    }
    expect(total).toBeLessThanOrEqual(200 * 1024);
  });
});

describe('an inbox that was not built', () => {
  it('answers /app with the 503 page, assets with 404, and serve is told to warn; the API is unaffected', async () => {
    const app = Fastify();
    const missing = path.join(os.tmpdir(), `flextell-no-inbox-${process.pid}`);
    await app.register(async (scope) => inboxRoutes(scope, h.deps, missing));
    try {
      const shell = await app.inject({ method: 'GET', url: '/app/t/1' });
      expect([shell.statusCode, shell.headers['content-type']]).toEqual([503, 'text/html; charset=utf-8']);
      expect(shell.body).toContain('The inbox has not been built.');
      expect(shell.body).toContain('Run npm install (or npm run build:inbox).');
      expect((await app.inject({ method: 'GET', url: '/app/assets/index-12345678.js' })).statusCode).toBe(404);
      expect(inboxBuildWarning(h.deps, missing)).toMatch(/has not been built/);
      expect(inboxBuildWarning(h.deps)).toBeNull();
    } finally {
      await app.close();
    }
    expect((await h.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('PUBLIC_URL and FLEXTELL_INBOX', () => {
  it('with PUBLIC_URL, sign-in works on that origin only: another origin is sent there, same path and query', async () => {
    const other = await createHarness({ PUBLIC_URL: 'http://chat.example.test' });
    try {
      const elsewhere = await other.app.inject({ method: 'GET', url: '/app/t/3?q=x', headers: { host: '127.0.0.1:8080' } });
      expect([elsewhere.statusCode, elsewhere.headers.location]).toEqual([302, 'http://chat.example.test/app/t/3?q=x']);
      const there = await other.app.inject({ method: 'GET', url: '/app/t/3', headers: { host: 'chat.example.test' } });
      expect([there.statusCode, there.headers['content-security-policy']]).toEqual([200, CSP]);
    } finally {
      await other.close();
    }
  });

  it('FLEXTELL_INBOX=false removes /app and the redirect of /', async () => {
    const off = await createHarness({ FLEXTELL_INBOX: 'false' });
    try {
      for (const url of ['/', '/app', '/app/t/1', '/app/assets/x.js']) {
        expect((await off.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
      }
    } finally {
      await off.close();
    }
  });
});
