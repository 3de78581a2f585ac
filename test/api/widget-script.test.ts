/**
 * The widget script and its demo page as files over HTTP (docs/widget-client.md): headers, the gzip size budget, and
 * a demo page that neither runs nor breaks on a hostile key. The script's behaviour is driven in Chromium by
 * widget-browser.test.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { WIDGET_SCRIPT_PATH } from '../../src/modules/widget/client/widget-script.routes.js';

const GZIP_BUDGET_BYTES = 30 * 1024;
let h: Harness;
const source = fs.readFileSync(WIDGET_SCRIPT_PATH);

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('GET /widget.js', () => {
  it('serves the script as JavaScript to any origin, cacheable for five minutes', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/widget.js', headers: { origin: 'https://shop.example.com' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.rawPayload.equals(source)).toBe(true);
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it(`stays within ${GZIP_BUDGET_BYTES} bytes gzipped, and is sent gzipped to browsers that accept it`, async () => {
    const measured = zlib.gzipSync(source, { level: 9 }).length;
    expect(measured).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    const response = await h.app.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(response.rawPayload.length).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    expect(zlib.gunzipSync(response.rawPayload).equals(source)).toBe(true);
  });

  it('answers 304 to a revalidation with its ETag, and HEAD without a body', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/widget.js' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await h.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect([again.statusCode, again.body]).toEqual([304, '']);
    const head = await h.app.inject({ method: 'HEAD', url: '/widget.js' });
    expect([head.statusCode, head.headers['content-type'], head.body]).toEqual([200, 'application/javascript; charset=utf-8', '']);
  });

  it('is valid ASCII JavaScript that never builds HTML from strings', () => {
    const text = source.toString('utf8');
    // ASCII only (other characters as \u escapes): a host page that loads it with the wrong charset cannot garble it.
    expect([...text].filter((character) => character > '~' || (character < ' ' && !'\t\n\r'.includes(character)))).toEqual([]);
    expect(() => new vm.Script(text, { filename: 'widget.js' })).not.toThrow();
    // Messages are set with textContent; no API that parses markup appears anywhere in the file.
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) expect(text, sink).not.toContain(sink);
  });
});

describe('GET /widget.js with the API CORS configured (FLEXTELL_CORS_ORIGINS)', () => {
  it('is still loadable from any site, listed there or not', async () => {
    const strict = await createHarness({ FLEXTELL_CORS_ORIGINS: 'https://app.example.com' });
    try {
      for (const origin of ['https://app.example.com', 'https://shop.example.com']) {
        const response = await strict.app.inject({ method: 'GET', url: '/widget.js', headers: { origin } });
        expect([response.statusCode, response.headers['access-control-allow-origin']], origin).toEqual([200, '*']);
      }
    } finally {
      await strict.close();
    }
  });
});

describe('GET /widget/demo', () => {
  function styleHash(html: string): string {
    const css = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    return `'sha256-${crypto.createHash('sha256').update(css).digest('base64')}'`;
  }

  it('embeds the script with the key, under a CSP that admits only this origin and the page its own style', async () => {
    const response = await h.request({ url: '/widget/demo?key=Zk3T9qLm2Xv8Rb4Nc7Wp1Hs6' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<script src="/widget.js" data-key="Zk3T9qLm2Xv8Rb4Nc7Wp1Hs6" async></script>');
    expect(response.body).toContain('&lt;script src=&quot;http://127.0.0.1:8080/widget.js&quot; data-key=&quot;Zk3T9qLm2Xv8Rb4Nc7Wp1Hs6&quot; async&gt;');
    const csp = response.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain(`style-src ${styleHash(response.body)};`);
    expect(csp).not.toContain('unsafe');
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('escapes a hostile key in the attribute and in the text: one script element, no markup from the key', async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;
    const response = await h.request({ url: `/widget/demo?key=${encodeURIComponent(hostile)}` });
    expect(response.status).toBe(200);
    expect(response.body.match(/<script/g)).toHaveLength(1);
    expect(response.body).not.toContain('<img');
    const escaped = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;';
    expect(response.body).toContain(`<script src="/widget.js" data-key="${escaped}" async></script>`);
    // The key appears only escaped: in the attribute above and in the snippet shown for copying.
    expect(response.body.split(escaped)).toHaveLength(3);
    expect(response.body.replaceAll(escaped, '')).not.toContain('alert');
  });

  it('answers 400 with a hint when the key is missing, empty, repeated or too long', async () => {
    for (const query of ['', '?key=', '?key=a&key=b', `?key=${'k'.repeat(256)}`]) {
      const response = await h.request({ url: `/widget/demo${query}` });
      expect(response.status, query).toBe(400);
      expect(response.body, query).toContain('/widget/demo?key=&lt;widget_key&gt;');
      expect(response.body, query).not.toContain('<script');
    }
  });
});
