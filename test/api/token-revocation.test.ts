/**
 * Issue #12 item 8: access tokens can be ended — one by its jti, every token of an account (`flextell token revoke`,
 * whose CLI side is in test/cli/cli.test.ts), and by a password change through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { jwtPayload } from '../support/shapes.js';
import { sql } from '../support/factories.js';
import { createdUser, putUser } from '../support/users.js';
import { bodyCredentials, createClient, insertCode, postForm } from '../support/oauth.js';
import { revokeTokenByJti, revokeTokensOfEmail } from '../../src/modules/oauth/token-revocation.js';
import { PersonalTokenError } from '../../src/modules/oauth/personal-tokens.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

// The account's tenant list: any member may read it, whatever its roles.
const status = async (token: string) => (await h.request({ url: '/api/v1/account/tenants', token })).status;

/**
 * Polls until the token answers 401; returns how long that took. The revocation is written without touching this
 * process's token cache, as another process (the CLI) writes it, so a cached token may pass for up to 2 seconds.
 */
async function msUntilRefused(token: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 3000) {
    if ((await status(token)) === 401) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('The revoked token was still accepted after 3 seconds.');
}

describe('flextell token revoke --jti', () => {
  it('a used (cached) token answers 401 within the 2-second cache window; other tokens keep working', async () => {
    const seed = await h.seedTenant();
    const [revoked, kept] = [await h.token(seed.user_id), await h.token(seed.user_id)];
    expect(await status(revoked)).toBe(200);
    await revokeTokenByJti(h.deps, jwtPayload(revoked).jti);
    expect(await msUntilRefused(revoked)).toBeLessThanOrEqual(2500);
    const body = (await h.request({ url: '/api/v1/account/tenants', token: revoked })).json;
    expect(Object.keys(body)).toEqual(['error', 'message']);
    expect(await status(kept)).toBe(200);
    // Revoking again is harmless; an unknown or expired jti is an error.
    await revokeTokenByJti(h.deps, jwtPayload(revoked).jti);
    await expect(revokeTokenByJti(h.deps, 'f'.repeat(64))).rejects.toThrow(PersonalTokenError);
    const expiring = await h.token(seed.user_id, { lifetimeSeconds: 60 });
    h.clock.advance(60);
    await expect(revokeTokenByJti(h.deps, jwtPayload(expiring).jti)).rejects.toThrow(`No unexpired access token has the jti ${jwtPayload(expiring).jti}.`);
  });
});

describe('flextell token revoke --email', () => {
  it('ends every personal and OAuth access token and every refresh token of the account, and no one else’s', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const personal = await h.token(seed.user_id);
    const client = await createClient(h, seed.tenant_id);
    const code = await insertCode(h, client, seed.user_id);
    const issued = await postForm(h, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      ...bodyCredentials(client),
    });
    expect(issued.status, issued.body).toBe(200);

    // The seed's own token, the personal one and the OAuth one; an address variant names the same account.
    expect(await revokeTokensOfEmail(h.deps, seed.email.toUpperCase())).toBe(3);
    for (const token of [seed.access_token, personal, issued.json.access_token]) expect(await status(token)).toBe(401);
    const refreshed = await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, ...bodyCredentials(client) });
    expect(refreshed.status).toBe(400);
    expect(refreshed.json.error).toBe('invalid_grant');
    expect(await status(other.access_token)).toBe(200);
    // Tokens minted afterwards work, even within the same second.
    expect(await status(await h.token(seed.user_id))).toBe(200);
    await expect(revokeTokensOfEmail(h.deps, 'nobody@example.test')).rejects.toThrow('No user has the email nobody@example.test.');
  });

  it('refuses a token whose mint began before the revocation though its row was written after it', async () => {
    const seed = await h.seedTenant();
    h.clock.advance(-5);
    const token = await h.token(seed.user_id);
    h.clock.advance(5);
    await revokeTokensOfEmail(h.deps, seed.email);
    // As if the mint's INSERT had committed after the revoking UPDATE: the row itself is not marked.
    await sql(h, 'UPDATE access_tokens SET revoked_at = NULL WHERE jti = $1', [jwtPayload(token).jti]);
    expect(await status(token)).toBe(401);
  });
});

describe('a password change through the API', () => {
  it('PUT /users/{id} with a password ends the member’s access tokens at once; the actor’s and later tokens work', async () => {
    const seed = await h.seedTenant();
    const member = await createdUser(h, seed.access_token);
    const before = await h.token(member.id);
    expect(await status(before)).toBe(200);
    const changed = await putUser(h, seed.access_token, member.id, { password: 'a new password', password_confirmation: 'a new password' });
    expect(changed.status, changed.body).toBe(200);
    expect(await status(before)).toBe(401);
    expect(await status(seed.access_token)).toBe(200);
    expect(await status(await h.token(member.id))).toBe(200);
    // A change without a password leaves tokens alone.
    const kept = await h.token(member.id);
    expect((await putUser(h, seed.access_token, member.id, { title: 'Lead' })).status).toBe(200);
    expect(await status(kept)).toBe(200);
  });
});
