/** docs/oauth.md#access-tokens: a retired signing key stays in the JWKS and verifies until every unrevoked token it signed expired. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { jwtHeader, jwtPayload } from '../support/shapes.js';
import { rotateSigningKey } from '../../src/modules/oauth/signing-keys.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function publishedKids(): Promise<string[]> {
  // The JWKS reloads keys every few seconds of real time; the test reloads at once.
  await h.deps.tokens.reloadKeys();
  const response = await h.request({ url: '/.well-known/jwks.json' });
  expect(response.status).toBe(200);
  return response.json.keys.map((key: { kid: string }) => key.kid);
}

const listConversations = (token: string) => h.request({ url: '/api/v1/conversations', token });

describe('retired signing keys', () => {
  it('leave the JWKS and verification once their last unrevoked token expired; revoked tokens do not hold them', async () => {
    const seed = await h.seedTenant();
    // The seed's 30-day token would hold the key for 30 days: it is revoked, so it does not count.
    await h.deps.tokens.revoke(jwtPayload(seed.access_token).jti);
    const oldKid = (await publishedKids())[0]!;
    const hourToken = await h.token(seed.user_id);
    const revokedLongToken = await h.token(seed.user_id, { lifetimeSeconds: 7200 });
    expect(jwtHeader(hourToken).kid).toBe(oldKid);
    await h.deps.tokens.revoke(jwtPayload(revokedLongToken).jti);

    const newKid = await rotateSigningKey(h.deps.db, h.deps.box);
    expect(await publishedKids()).toEqual([newKid, oldKid]);
    const newToken = await h.token(seed.user_id, { lifetimeSeconds: 3 * 3600 });
    expect(jwtHeader(newToken).kid).toBe(newKid);

    h.clock.advance(3599);
    expect(await publishedKids()).toEqual([newKid, oldKid]);
    expect((await listConversations(hourToken)).status).toBe(200);

    h.clock.advance(1);
    expect(await publishedKids()).toEqual([newKid]);
    expect((await listConversations(hourToken)).status).toBe(401);
    expect((await listConversations(newToken)).status).toBe(200);

    // Had the revoked token been live, the old key would still be needed: an unrevoked token holds it again.
    await h.deps.db.query('UPDATE access_tokens SET revoked_at = NULL WHERE jti = $1', [jwtPayload(revokedLongToken).jti]);
    expect(await publishedKids()).toEqual([newKid, oldKid]);
    h.deps.tokens.forgetRecords();
    expect((await listConversations(revokedLongToken)).status).toBe(200);
    h.clock.advance(3600);
    expect(await publishedKids()).toEqual([newKid]);
    expect((await listConversations(revokedLongToken)).status).toBe(401);
  });

  it('a key rotated away before it signed anything leaves at once; the active key always stays', async () => {
    const first = await rotateSigningKey(h.deps.db, h.deps.box);
    const second = await rotateSigningKey(h.deps.db, h.deps.box);
    const kids = await publishedKids();
    expect(kids[0]).toBe(second);
    expect(kids).not.toContain(first);
    h.clock.advance(365 * 24 * 3600);
    expect(await publishedKids()).toEqual([second]);
  });
});
