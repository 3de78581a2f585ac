/**
 * TRUST_PROXY (README "Configuration"): the client address is the right-most X-Forwarded-For entry not added by a
 * trusted proxy, and X-Forwarded-Proto counts only when the socket peer is a trusted proxy. Observed where the
 * product uses them: the address stored at sign-in, the per-IP login limit, and the Secure flag of the session cookie.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { TestBrowser, hiddenValue } from '../support/oauth-browser.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

let h: Harness;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  // Pair limit 1, so one address may fail 5 times in 15 minutes.
  h = await createHarness({ FLEXTELL_LOGIN_RATE_LIMIT: '1' });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await h?.close();
});

/** An app over the harness's database with TRUST_PROXY set to `value`. */
async function appTrusting(value: string): Promise<FastifyInstance> {
  const { trustProxy } = loadConfig({ TRUST_PROXY: value });
  const app = await buildApp({ ...h.deps, config: { ...h.deps.config, trustProxy } });
  apps.push(app);
  return app;
}

interface Peer {
  remoteAddress: string;
  headers?: Record<string, string>;
}

async function signIn(app: FastifyInstance, peer: Peer, email: string, password: string) {
  const headers = { host: '127.0.0.1:8080', ...peer.headers };
  const page = await app.inject({ method: 'GET', url: '/oauth/login', remoteAddress: peer.remoteAddress, headers });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const response = await app.inject({
    method: 'POST',
    url: '/oauth/login',
    remoteAddress: peer.remoteAddress,
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: hiddenValue(page.body, '_csrf') }).toString(),
  });
  return { status: response.statusCode, cookie: String(response.headers['set-cookie'] ?? '') };
}

/** Signs a fresh user in from `peer`; answers the address stored for it and whether the cookie was Secure. */
async function observe(app: FastifyInstance, peer: Peer): Promise<{ ip: string; secure: boolean }> {
  const seed = await h.seedTenant();
  const result = await signIn(app, peer, seed.email, seed.password);
  expect(result.status).toBe(303);
  const [row] = await sql<{ last_login_ip: string }>(h, 'SELECT last_login_ip FROM users WHERE id = $1', [seed.user_id]);
  return { ip: row!.last_login_ip, secure: /;\s*Secure/i.test(result.cookie) };
}

const SPOOFED = '6.6.6.6';

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For and X-Forwarded-Proto are ignored', async () => {
    const app = await appTrusting('false');
    const peer = { remoteAddress: '198.51.100.1', headers: { 'x-forwarded-for': `${SPOOFED}, 203.0.113.1`, 'x-forwarded-proto': 'https' } };
    expect(await observe(app, peer)).toEqual({ ip: '198.51.100.1', secure: false });
  });

  it('true is one hop: the right-most X-Forwarded-For entry, never the client-supplied left-most', async () => {
    const app = await appTrusting('true');
    expect(await observe(app, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': `${SPOOFED}, 203.0.113.10` } })).toEqual({
      ip: '203.0.113.10',
      secure: false,
    });
    expect(await observe(app, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.11', 'x-forwarded-proto': 'https' } })).toEqual({
      ip: '203.0.113.11',
      secure: true,
    });
    // Without the header the peer is the client.
    expect((await observe(app, { remoteAddress: '127.0.0.2' })).ip).toBe('127.0.0.2');
  });

  it('true: rotating the left-most entry does not escape the per-IP login limit', async () => {
    const app = await appTrusting('true');
    const from = (index: number) => ({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': `10.9.9.${index}, 203.0.113.20` } });
    for (let index = 0; index < 5; index++) {
      expect((await signIn(app, from(index), `nobody${index}@example.com`, 'guess')).status).toBe(401);
    }
    expect((await signIn(app, from(99), 'someone-else@example.com', 'guess')).status).toBe(429);
    // Another client behind the same proxy is not affected.
    const other = { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': `10.9.9.1, 203.0.113.21` } };
    expect((await signIn(app, other, 'someone-else@example.com', 'guess')).status).toBe(401);
  });

  it('a hop count skips that many proxies from the right', async () => {
    const app = await appTrusting('2');
    const peer = { remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': `${SPOOFED}, 198.51.100.7, 10.0.0.1`, 'x-forwarded-proto': 'https' } };
    expect(await observe(app, peer)).toEqual({ ip: '198.51.100.7', secure: true });
  });

  it('over real HTTP: a proxy on the loopback interface is trusted by name', async () => {
    const app = await appTrusting('loopback');
    const browser = new TestBrowser(await app.listen({ host: '127.0.0.1', port: 0 }));
    const seed = await h.seedTenant();
    const page = await browser.get('/oauth/login');
    const forwarded = { 'x-forwarded-for': `${SPOOFED}, 203.0.113.70`, 'x-forwarded-proto': 'https' };
    const { response } = await browser.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: hiddenValue(page.html, '_csrf') }, forwarded);
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(/;\s*Secure/);
    const [row] = await sql<{ last_login_ip: string }>(h, 'SELECT last_login_ip FROM users WHERE id = $1', [seed.user_id]);
    expect(row!.last_login_ip).toBe('203.0.113.70');
  });

  it('a list of proxy addresses and CIDRs: trusted hops are skipped, an untrusted peer is the client', async () => {
    const app = await appTrusting('10.0.0.0/8, 192.0.2.1');
    const viaProxies = {
      remoteAddress: '10.0.0.5',
      headers: { 'x-forwarded-for': `${SPOOFED}, 203.0.113.60, 192.0.2.1, 10.0.0.9`, 'x-forwarded-proto': 'https' },
    };
    expect(await observe(app, viaProxies)).toEqual({ ip: '203.0.113.60', secure: true });
    const direct = { remoteAddress: '198.51.100.20', headers: { 'x-forwarded-for': '203.0.113.61', 'x-forwarded-proto': 'https' } };
    expect(await observe(app, direct)).toEqual({ ip: '198.51.100.20', secure: false });
  });
});
