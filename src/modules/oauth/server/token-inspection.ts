import type { AppDeps } from '../../../app-deps.js';
import { unixSeconds } from '../../../platform/clock.js';
import type { OAuthClient } from './clients.js';
import { findAccessTokenDetails, type AccessTokenDetails } from '../access-token.repository.js';
import { findRefreshRecord, type RefreshRecord } from './grant.repository.js';
import { hashOpaque, revokeFamily } from './token-issuer.js';

async function findRefreshToken(deps: AppDeps, token: string): Promise<RefreshRecord | null> {
  return findRefreshRecord(deps.db, hashOpaque(token));
}

/** The record of an access token that still verifies (signature, time, not revoked); null otherwise. */
async function findLiveAccessToken(
  deps: AppDeps,
  token: string,
): Promise<{ jti: string; boundTenantId: number | null; record: AccessTokenDetails; userId: number | null } | null> {
  const verified = await deps.tokens.verify(token);
  if (!verified) return null;
  const record = await findAccessTokenDetails(deps.db, verified.jti);
  if (!record) return null;
  const userId = verified.principal.kind === 'user' ? verified.principal.userId : null;
  return { jti: verified.jti, boundTenantId: verified.boundTenantId, record, userId };
}

/** RFC 7009 as oauth.md §7: other clients' and unknown tokens are left alone, silently. */
export async function revoke(deps: AppDeps, client: OAuthClient, token: string): Promise<void> {
  const refreshToken = await findRefreshToken(deps, token);
  if (refreshToken) {
    if (refreshToken.client_id === client.clientId) await revokeFamily(deps, refreshToken.family_id);
    return;
  }
  const access = await findLiveAccessToken(deps, token);
  if (access && access.record.client_id === client.clientId) await deps.tokens.revoke(access.jti);
}

const INACTIVE = { active: false } as const;

/** RFC 7662 as oauth.md §7 and §13.4; opaque refresh tokens included, revocation honoured. */
export async function introspect(deps: AppDeps, client: OAuthClient, token: string, issuer: string): Promise<Record<string, unknown>> {
  const now = deps.clock.now().getTime();
  const refreshToken = await findRefreshToken(deps, token);
  if (refreshToken) {
    const live =
      refreshToken.client_id === client.clientId &&
      !refreshToken.revoked_at &&
      !refreshToken.rotated_at &&
      !refreshToken.user_deleted_at &&
      now < new Date(refreshToken.expires_at).getTime();
    if (!live) return INACTIVE;
    return {
      active: true,
      scope: refreshToken.scopes,
      client_id: refreshToken.client_id,
      username: refreshToken.email,
      token_type: 'refresh_token',
      exp: unixSeconds(new Date(refreshToken.expires_at)),
      iat: unixSeconds(new Date(refreshToken.created_at)),
      sub: String(refreshToken.user_id),
      iss: issuer,
    };
  }
  const access = await findLiveAccessToken(deps, token);
  if (!access || access.record.client_id !== client.clientId) return INACTIVE;
  const issuedAt = unixSeconds(new Date(access.record.created_at));
  const answer: Record<string, unknown> = { active: true, scope: access.record.scopes, client_id: client.clientId };
  if (access.userId !== null) answer.username = access.record.email;
  Object.assign(answer, {
    token_type: 'Bearer',
    exp: unixSeconds(new Date(access.record.expires_at)),
    iat: issuedAt,
    nbf: issuedAt,
    sub: access.userId !== null ? String(access.userId) : client.clientId,
    aud: client.clientId,
    iss: issuer,
    jti: access.jti,
  });
  if (access.boundTenantId !== null) answer.tenant = access.boundTenantId;
  return answer;
}
