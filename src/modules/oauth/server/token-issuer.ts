import crypto from 'node:crypto';
import type { AppDeps } from '../../../app-deps.js';
import { sha256Hex } from '../../../platform/crypto.js';
import { accountHasActiveMembership } from '../../users/membership.repository.js';
import { orderScopes, type Scope } from '../scopes.js';
import { insertRefreshToken, revokeRefreshFamily } from './grant.repository.js';

export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token?: string;
  scope: string;
}

export function newFamilyId(): string {
  return crypto.randomBytes(16).toString('hex');
}

export function hashOpaque(token: string): string {
  return sha256Hex(token);
}

/**
 * Mints the access token (and for user grants a refresh token of the same family). expires_in is the configured
 * lifetime itself, never recomputed from a clock that may have ticked in between.
 */
export async function issueTokens(
  deps: AppDeps,
  grant: { userId: number | null; clientId: string; tenantId: number | null; scopes: readonly Scope[]; issuer: string; familyId: string | null },
): Promise<TokenResponse> {
  const scopes = orderScopes(grant.scopes);
  const access = await deps.tokens.mint({
    userId: grant.userId,
    clientId: grant.clientId,
    tenantId: grant.tenantId,
    scopes,
    lifetimeSeconds: ACCESS_TOKEN_SECONDS,
    issuer: grant.issuer,
    familyId: grant.familyId,
  });
  let refreshToken: string | null = null;
  if (grant.userId !== null && grant.familyId !== null) {
    const refresh = crypto.randomBytes(64).toString('base64url');
    const now = deps.clock.now();
    await insertRefreshToken(
      deps.db,
      {
        tokenHash: hashOpaque(refresh),
        familyId: grant.familyId,
        accessJti: access.jti,
        userId: grant.userId,
        clientId: grant.clientId,
        scopes: scopes.join(' '),
        expiresAt: new Date(now.getTime() + REFRESH_TOKEN_SECONDS * 1000),
      },
      now,
    );
    refreshToken = refresh;
  }
  // Key order of the token response (docs/oauth.md#grants).
  return {
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    access_token: access.token,
    ...(refreshToken !== null ? { refresh_token: refreshToken } : {}),
    scope: scopes.join(' '),
  };
}

/** docs/oauth.md#refresh-tokens: every refresh token and every access token of the family stop working at once. */
export async function revokeFamily(deps: AppDeps, familyId: string): Promise<void> {
  const now = deps.clock.now();
  await revokeRefreshFamily(deps.db, familyId, now);
  await deps.tokens.revokeFamily(familyId);
}

/** A user may hold tokens only while the account exists and has an active membership somewhere (docs/oauth.md#refresh-tokens). */
export async function userCanLogIn(deps: AppDeps, userId: number): Promise<boolean> {
  return accountHasActiveMembership(deps.db, userId);
}
