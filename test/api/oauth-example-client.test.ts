/** examples/oauth-client runs the documented flow (README.md#oauth-20-third-party-applications) end to end against a listening server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { createClient } from '../support/oauth.js';
import { TestBrowser, hiddenValue, logIn, listeningHarness } from '../support/oauth-browser.js';
import { runFlow } from '../../examples/oauth-client/client.mjs';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

/** Plays the user: signs in, approves, and follows the redirect to the example's callback server. */
function userApproves(seed: SeedResult) {
  return async (url: string) => {
    const browser = new TestBrowser(base);
    const path = url.slice(base.length);
    expect((await browser.get(path)).response.status).toBe(302);
    expect((await logIn(browser, seed.email, seed.password, path)).status).toBe(303);
    const consent = await browser.get(path);
    const approved = await browser.post('/oauth/authorize', {
      _csrf: hiddenValue(consent.html, '_csrf'),
      request_id: hiddenValue(consent.html, 'request_id'),
      decision: 'approve',
    });
    expect((await fetch(approved.response.headers.get('location')!)).status).toBe(200);
  };
}

describe('examples/oauth-client', () => {
  it('runs the flow for a confidential client (Basic credentials) and a public one (PKCE only)', async () => {
    const seed = await h.seedTenant({ conversations: 2 });
    const confidential = await createClient(h, seed.tenant_id, { redirectUri: 'http://127.0.0.1/callback', secret: 'a secret: with % and +' });
    const lines: string[] = [];
    const result = await runFlow({
      baseUrl: base,
      clientId: confidential.clientId,
      clientSecret: confidential.secret,
      redirectUri: 'http://127.0.0.1/callback',
      scope: 'conversations:read account:read',
      openBrowser: userApproves(seed),
      log: (line) => lines.push(line),
    });
    expect(result.tokens.scope).toBe('conversations:read account:read');
    expect(result.tenants.data.map((tenant) => tenant.id)).toEqual([seed.tenant_id]);
    expect(result.conversations.meta.total).toBe(2);
    expect(result.refreshed.refresh_token).not.toBe(result.tokens.refresh_token);
    expect(lines[0]).toBe('Access token for "conversations:read account:read", valid 3600 s.');

    const pub = await createClient(h, seed.tenant_id, { confidential: false, redirectUri: 'http://localhost/cb' });
    const second = await runFlow({
      baseUrl: base,
      clientId: pub.clientId,
      redirectUri: 'http://localhost/cb',
      scope: 'conversations:read account:read',
      openBrowser: userApproves(seed),
    });
    expect(second.conversations.meta.total).toBe(2);
  });
});
