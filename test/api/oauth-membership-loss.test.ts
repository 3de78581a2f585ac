/**
 * docs/oauth.md#login-and-consent-pages, docs/oauth.md#refresh-tokens: an account that loses its last active membership (removed, or deactivated in its only tenant)
 * has its login sessions and refresh tokens revoked; losing one of several memberships changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { addMembership, memberAs, sql } from '../support/factories.js';
import { bodyCredentials, createClient, expectOAuthError, insertCode, postForm, type TestClient } from '../support/oauth.js';
import { TestBrowser, logIn, listeningHarness } from '../support/oauth-browser.js';
import { hashPassword } from '../../src/modules/users/user.repository.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

interface Member {
  userId: number;
  browser: TestBrowser;
  refreshToken: string;
}

/** An Agent of the seed's tenant, signed in on a browser, holding a refresh token of the client. */
async function signedInMember(seed: SeedResult, client: TestClient): Promise<Member> {
  const { userId } = await memberAs(h, seed, 'Leaving Agent', 'Agent');
  const email = (await sql<{ email: string }>(h, 'SELECT email FROM users WHERE id = $1', [userId]))[0]!.email;
  await h.deps.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, await hashPassword('agent password 1')]);
  const browser = new TestBrowser(base);
  expect((await logIn(browser, email, 'agent password 1')).status).toBe(303);
  expect((await browser.get('/oauth/login')).html).toContain('You are signed in.');
  const code = await insertCode(h, client, userId);
  const tokens = await postForm(h, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, ...bodyCredentials(client) });
  expect(tokens.status, tokens.body).toBe(200);
  return { userId, browser, refreshToken: tokens.json.refresh_token };
}

const refreshWith = (client: TestClient, refreshToken: string) =>
  postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...bodyCredentials(client) });

async function expectGrantsEnded(client: TestClient, member: Member): Promise<void> {
  // Revoked, not merely refused because the account can no longer sign in.
  expectOAuthError(await refreshWith(client, member.refreshToken), 400, 'invalid_grant', 'The refresh token has been revoked.');
  expect((await member.browser.get('/oauth/login')).html).not.toContain('You are signed in.');
  const live = await sql(h, 'SELECT 1 FROM login_sessions WHERE user_id = $1 AND revoked_at IS NULL', [member.userId]);
  expect(live).toEqual([]);
}

async function expectGrantsKept(client: TestClient, member: Member): Promise<void> {
  expect((await member.browser.get('/oauth/login')).html).toContain('You are signed in.');
  const rotated = await refreshWith(client, member.refreshToken);
  expect(rotated.status, rotated.body).toBe(200);
  member.refreshToken = rotated.json.refresh_token;
}

describe('losing the last active membership', () => {
  it('DELETE /users/{id} of the only membership revokes sessions and refresh tokens', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const member = await signedInMember(seed, client);
    const removed = await h.request({ method: 'DELETE', url: `/api/v1/users/${member.userId}`, token: seed.access_token });
    expect(removed.status, removed.body).toBe(200);
    await expectGrantsEnded(client, member);
  });

  it('PUT is_active false in the only tenant revokes them; a later reactivation does not bring them back', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const member = await signedInMember(seed, client);
    const updated = await h.request({ method: 'PUT', url: `/api/v1/users/${member.userId}`, token: seed.access_token, body: { is_active: false } });
    expect(updated.status, updated.body).toBe(200);
    await expectGrantsEnded(client, member);
    const back = await h.request({ method: 'PUT', url: `/api/v1/users/${member.userId}`, token: seed.access_token, body: { is_active: true } });
    expect(back.status, back.body).toBe(200);
    expectOAuthError(await refreshWith(client, member.refreshToken), 400, 'invalid_grant', 'The refresh token has been revoked.');
  });

  it('with another active membership nothing is revoked, until that one goes too; an inactive one does not count', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const third = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const member = await signedInMember(seed, client);
    await addMembership(h, other.tenant_id, member.userId, ['Agent']);
    await addMembership(h, third.tenant_id, member.userId, ['Agent'], { isActive: false });

    const deactivated = await h.request({ method: 'PUT', url: `/api/v1/users/${member.userId}`, token: seed.access_token, body: { is_active: false } });
    expect(deactivated.status, deactivated.body).toBe(200);
    await expectGrantsKept(client, member);
    // Saving other fields of an inactive membership is no loss of a membership.
    expect((await h.request({ method: 'PUT', url: `/api/v1/users/${member.userId}`, token: seed.access_token, body: { title: 'Former agent' } })).status).toBe(
      200,
    );
    await expectGrantsKept(client, member);

    const removed = await h.request({ method: 'DELETE', url: `/api/v1/users/${member.userId}`, token: other.access_token });
    expect(removed.status, removed.body).toBe(200);
    await expectGrantsEnded(client, member);
  });
});
