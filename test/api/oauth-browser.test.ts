/**
 * Login and consent driven in a real browser: Debian's Chromium through playwright-core (headless). `.ci/run`
 * installs chromium; elsewhere the test is skipped when the binary is missing, never under CI=true.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable } from '../support/chromium.js';
import { chromium, type Browser } from 'playwright-core';
import { createHarness, type Harness } from '../support/harness.js';
import { createClient, pkcePair } from '../support/oauth.js';
import { listen } from '../support/oauth-browser.js';

const available = chromiumAvailable();

describe.skipIf(!available)('login and consent in Chromium', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  // The client's callback, a real loopback server so the final redirect is an ordinary navigation.
  let callbackPort: number;
  let lastCallback: URL | null = null;
  const callbackServer = http.createServer((request, response) => {
    const url = new URL(request.url!, `http://127.0.0.1:${callbackPort}`);
    if (url.pathname === '/callback') lastCallback = url; // not the favicon the browser asks for next
    response.writeHead(200, { 'content-type': 'text/plain' }).end('callback reached');
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackPort = (callbackServer.address() as AddressInfo).port;
    h = await createHarness();
    base = await listen(h);
    // Root in a container: Chromium's sandbox needs user namespaces it may not get.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => callbackServer.close(resolve));
    await h?.close();
  });

  async function startFlow(state: string) {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id, { confidential: false, redirectUri: 'http://127.0.0.1/callback' });
    const { verifier, challenge } = pkcePair();
    const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: 'conversations:read',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    lastCallback = null;
    await page.goto(`${base}/oauth/authorize?${query.toString()}`);
    expect(new URL(page.url()).pathname).toBe('/oauth/login');
    await page.fill('input[name="email"]', seed.email);
    await page.fill('input[name="password"]', seed.password);
    await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.click('button[type="submit"]')]);
    await expect.poll(() => page.locator('h1').textContent()).toContain('wants to access your Flextell account');
    expect(await page.locator('li').allTextContents()).toEqual([
      "conversations:read: Read your conversations and messages, the AI agent's status, suggestions and runs, your channels and knowledge articles.",
    ]);
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'flextell_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    return { page, context, client, verifier, redirectUri, callback: () => lastCallback };
  }

  it('signs in, approves, and the code it receives buys an access token the API accepts', async () => {
    const flow = await startFlow('from-chromium');
    await Promise.all([flow.page.waitForURL(`http://127.0.0.1:${callbackPort}/**`), flow.page.click('button[name="decision"][value="approve"]')]);
    const callback = flow.callback()!;
    expect(callback.searchParams.get('state')).toBe('from-chromium');
    const code = callback.searchParams.get('code')!;
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: flow.redirectUri,
        client_id: flow.client.clientId,
        code_verifier: flow.verifier,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const api = await fetch(`${base}/api/v1/conversations`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(api.status).toBe(200);
    await flow.context.close();
  });

  it('deny returns access_denied with the state and no code', async () => {
    const flow = await startFlow('denied-state');
    await Promise.all([flow.page.waitForURL(`http://127.0.0.1:${callbackPort}/**`), flow.page.click('button[name="decision"][value="deny"]')]);
    const callback = flow.callback()!;
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('denied-state');
    expect(callback.searchParams.get('code')).toBeNull();
    await flow.context.close();
  });
});
