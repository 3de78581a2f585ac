/** The Applications page of the browser UI: register (secret shown once), list and delete, with CSRF and permission. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { memberAs, sql } from '../support/factories.js';
import { TestBrowser, hiddenValue, logIn, listeningHarness } from '../support/oauth-browser.js';
import { createClient, expectOAuthError, postForm } from '../support/oauth.js';
import { hashPassword } from '../../src/modules/users/user.repository.js';

let h: Harness;
let base: string;
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

async function post(browser: TestBrowser, path: string, csrfFrom: string, fields: Record<string, string>, extra: Array<[string, string]> = []) {
  const body = new URLSearchParams({ _csrf: hiddenValue(csrfFrom, '_csrf'), ...fields });
  for (const [name, value] of extra) body.append(name, value);
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `flextell_session=${browser.cookie('flextell_session')}` },
    body: body.toString(),
  });
  return { response, html: await response.text() };
}

describe('Applications page', () => {
  it('needs a signed-in user; registers an application showing its secret once; lists and deletes', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    expect((await browser.get('/oauth/applications')).response.headers.get('location')).toBe('/oauth/login?return_to=%2Foauth%2Fapplications');
    expect((await logIn(browser, seed.email, seed.password, '/oauth/applications')).headers.get('location')).toBe('/oauth/applications');
    const page = await browser.get('/oauth/applications');
    expect(page.response.status).toBe(200);
    expect(page.html).toContain('Demo App');

    const invalid = await post(browser, '/oauth/applications', page.html, {
      tenant_id: String(seed.tenant_id),
      name: '',
      redirect_uris: 'http://evil.example/cb',
      confidential: '1',
    });
    expect(invalid.response.status).toBe(422);
    expect(invalid.html).toContain('The name field is required.');
    expect(invalid.html).toContain('The redirect_uris.0 field must use https (http is allowed only for 127.0.0.1, [::1] and localhost).');
    expect(invalid.html).toContain('The scopes field must have at least 1 items.');

    const created = await post(
      browser,
      '/oauth/applications',
      page.html,
      { tenant_id: String(seed.tenant_id), name: 'CRM <sync>', redirect_uris: 'https://crm.example/cb\r\nhttp://127.0.0.1/cb', confidential: '1' },
      [
        ['scopes', 'customers:read'],
        ['scopes', 'conversations:read'],
      ],
    );
    expect(created.response.status).toBe(201);
    expect(created.html).toContain('CRM &lt;sync&gt;');
    const clientId = /client_id: <code>([^<]+)<\/code>/.exec(created.html)![1]!;
    const secret = /client_secret: <code>([^<]+)<\/code>/.exec(created.html)![1]!;
    const token = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(token.json.scope).toBe('conversations:read customers:read');

    const listed = await browser.get('/oauth/applications');
    expect(listed.html).toContain(clientId);
    expect(listed.html).not.toContain(secret);
    const [row] = await sql(h, 'SELECT id FROM oauth_clients WHERE client_id = $1', [clientId]);
    const deleted = await post(browser, '/oauth/applications/delete', listed.html, { tenant_id: String(seed.tenant_id), id: String(row!.id) });
    expect(deleted.response.status).toBe(303);
    expect((await browser.get('/oauth/applications')).html).not.toContain(clientId);
    expect((await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret })).status).toBe(401);
  });

  it('refuses a missing CSRF token and organisations where the user lacks applications.manage', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const agent = await memberAs(h, seed, 'Agent', 'Agent');
    const [user] = await sql(h, 'SELECT email FROM users WHERE id = $1', [agent.userId]);
    await h.deps.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [agent.userId, await hashPassword('agent-password')]);
    const browser = new TestBrowser(base);
    await logIn(browser, user!.email, 'agent-password');
    const page = await browser.get('/oauth/applications');
    expect(page.html).toContain('You may not manage applications in any organisation.');
    const withCsrf = (await browser.get('/oauth/login')).html; // the same session's token, from a page with a form
    const fields = { tenant_id: String(seed.tenant_id), name: 'x', redirect_uris: 'https://a.example/cb', confidential: '1', scopes: 'users:read' };
    const refused = await post(browser, '/oauth/applications', withCsrf, fields);
    expect(refused.response.status).toBe(403);
    expect(refused.html).toContain('You may not manage applications in this organisation.');
    expect((await post(browser, '/oauth/applications', withCsrf, { ...fields, tenant_id: String(other.tenant_id) })).response.status).toBe(403);
    expect(await sql(h, `SELECT 1 FROM oauth_clients WHERE name = 'x'`)).toEqual([]);
    const forged = await browser.post('/oauth/applications', { ...fields, _csrf: 'x'.repeat(43) });
    expect(forged.response.status).toBe(403);
    expect(forged.html).toContain('This form has expired.');
  });

  it("edits name, redirect URIs and scopes with the API's messages, and regenerates a secret shown once", async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const publicClient = await createClient(h, seed.tenant_id, { confidential: false });
    const foreign = await createClient(h, other.tenant_id);
    const idOf = async (clientId: string) => String((await sql(h, 'SELECT id FROM oauth_clients WHERE client_id = $1', [clientId]))[0]!.id);
    const id = await idOf(client.clientId);
    const editUrl = `/oauth/applications/edit?tenant_id=${seed.tenant_id}&id=${id}`;

    const browser = new TestBrowser(base);
    expect((await browser.get(editUrl)).response.headers.get('location')).toBe('/oauth/login?return_to=%2Foauth%2Fapplications');
    await logIn(browser, seed.email, seed.password);
    const list = await browser.get('/oauth/applications');
    expect(list.html).toContain(`href="/oauth/applications/edit?tenant_id=${seed.tenant_id}&amp;id=${id}"`);
    const edit = await browser.get(editUrl);
    expect(edit.response.status).toBe(200);
    expect(edit.html).toContain('value="Test App &lt;b&gt;"');
    expect(edit.html).toContain('>https://app.example.com/callback</textarea>');
    expect(edit.html).toContain('<input type="checkbox" name="scopes" value="users:read" checked>');
    expect(edit.html).toContain('action="/oauth/applications/secret"');
    expect((await browser.get(`/oauth/applications/edit?tenant_id=${seed.tenant_id}&id=${await idOf(foreign.clientId)}`)).response.status).toBe(404);
    expect((await browser.get(`/oauth/applications/edit?tenant_id=${other.tenant_id}&id=${await idOf(foreign.clientId)}`)).response.status).toBe(403);
    expect((await browser.get(`/oauth/applications/edit?tenant_id=${seed.tenant_id}&id=${await idOf(publicClient.clientId)}`)).html).not.toContain(
      'action="/oauth/applications/secret"',
    );

    const ids = { tenant_id: String(seed.tenant_id), id };
    const invalid = await post(browser, '/oauth/applications/edit', edit.html, { ...ids, name: '', redirect_uris: 'ftp://x.example/cb' });
    expect(invalid.response.status).toBe(422);
    expect(invalid.html).toContain('The name field is required.');
    expect(invalid.html).toContain('The redirect_uris.0 field must use https (http is allowed only for 127.0.0.1, [::1] and localhost).');
    expect(invalid.html).toContain('The scopes field must have at least 1 items.');
    expect(invalid.html).toContain('>ftp://x.example/cb</textarea>');
    expect(
      (
        await post(browser, '/oauth/applications/edit', edit.html, { ...ids, name: 'x', redirect_uris: 'https://a.example/cb#frag' }, [
          ['scopes', 'users:read'],
          ['scopes', 'users:read'],
        ])
      ).html,
    ).toContain('The scopes.1 field has a duplicate value.');
    expect(
      (await browser.post('/oauth/applications/edit', { ...ids, name: 'Forged', redirect_uris: 'https://a.example/cb', scopes: 'users:read' })).response.status,
    ).toBe(403);
    expect(
      (
        await post(browser, '/oauth/applications/edit', edit.html, {
          ...ids,
          id: await idOf(foreign.clientId),
          name: 'Stolen',
          redirect_uris: 'https://a.example/cb',
          scopes: 'users:read',
        })
      ).response.status,
    ).toBe(404);
    expect(await sql(h, `SELECT name FROM oauth_clients WHERE name IN ('x', 'Forged', 'Stolen')`)).toEqual([]);

    const saved = await post(
      browser,
      '/oauth/applications/edit',
      edit.html,
      { ...ids, name: 'Renamed <app>', redirect_uris: 'https://new.example/cb\nhttp://127.0.0.1/cb' },
      [
        ['scopes', 'customers:read'],
        ['scopes', 'conversations:read'],
      ],
    );
    expect(saved.response.status).toBe(303);
    expect(saved.response.headers.get('location')).toBe('/oauth/applications');
    const api = await h.request({ url: `/api/v1/applications/${id}`, token: seed.access_token });
    expect(api.json.data).toMatchObject({
      name: 'Renamed <app>',
      redirect_uris: ['https://new.example/cb', 'http://127.0.0.1/cb'],
      scopes: ['conversations:read', 'customers:read'],
    });
    const narrowed = await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret! });
    expect(narrowed.json.scope).toBe('conversations:read customers:read');

    const regenerated = await post(browser, '/oauth/applications/secret', edit.html, ids);
    expect(regenerated.response.status).toBe(200);
    expect(regenerated.html).toContain('Copy it now: it is shown only once.');
    const secret = /client_secret: <code>([^<]+)<\/code>/.exec(regenerated.html)![1]!;
    expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret! }),
      401,
      'invalid_client',
    );
    expect((await postForm(h, '/oauth/token', { grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret })).status).toBe(200);
    expect((await browser.get('/oauth/applications')).html).not.toContain(secret);
    expect((await browser.get(editUrl)).html).not.toContain(secret);

    const publicIds = { tenant_id: String(seed.tenant_id), id: await idOf(publicClient.clientId) };
    const refused = await post(browser, '/oauth/applications/secret', edit.html, publicIds);
    expect(refused.response.status).toBe(422);
    expect(refused.html).toContain('A public application has no client secret.');
    expect((await browser.post('/oauth/applications/secret', { ...ids, _csrf: 'x'.repeat(43) })).response.status).toBe(403);
    expect((await h.request({ method: 'DELETE', url: '/oauth/applications/secret' })).headers.allow).toBe('POST');
  });
});
