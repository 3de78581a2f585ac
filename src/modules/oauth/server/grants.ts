import type { AppDeps } from '../../../app-deps.js';
import { constantTimeEqual } from '../../../platform/crypto.js';
import { isScope, orderScopes, type Scope } from '../scopes.js';
import type { OAuthClient } from './clients.js';
import { OAuthError, invalidScope, missingParameter } from './oauth-error.js';
import { param } from './form.js';
import { claimAuthorizationCode, claimRefreshToken, findAuthorizationCode, findRefreshToken } from './grant.repository.js';
import { PKCE_VALUE, s256 } from './pkce.js';
import { grantScopes, parseScopeParam } from './scope-param.js';
import { hashOpaque, issueTokens, newFamilyId, revokeFamily, userCanLogIn, type TokenResponse } from './token-issuer.js';

export interface GrantContext {
  deps: AppDeps;
  client: OAuthClient;
  params: Map<string, string>;
  issuer: string;
}

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);

function storedScopes(text: string): Scope[] {
  return orderScopes(text.split(' ').filter(isScope));
}

/** docs/oauth.md#grants authorization_code. A failed exchange leaves the code usable; a second use revokes the first's tokens. */
export async function exchangeCode({ deps, client, params, issuer }: GrantContext): Promise<TokenResponse> {
  const code = param(params, 'code');
  const redirectUri = param(params, 'redirect_uri');
  const verifier = param(params, 'code_verifier');
  if (code === null) throw missingParameter('code');
  if (redirectUri === null) throw missingParameter('redirect_uri');
  if (verifier !== null && !PKCE_VALUE.test(verifier)) {
    throw new OAuthError('invalid_request', 'The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" and "~".');
  }
  const hash = hashOpaque(code);
  const row = await findAuthorizationCode(deps.db, hash);
  if (!row || row.client_id !== client.clientId) throw invalidGrant('The authorization code is invalid.');
  if (row.used_at) {
    if (row.family_id) await revokeFamily(deps, row.family_id);
    throw invalidGrant('The authorization code has already been used.');
  }
  const now = deps.clock.now();
  if (now.getTime() >= new Date(row.expires_at).getTime()) throw invalidGrant('The authorization code has expired.');
  if (row.redirect_uri !== redirectUri) throw invalidGrant('The redirect_uri does not match the one of the authorization request.');
  if (row.code_challenge !== null) {
    if (verifier === null) throw invalidGrant('The code_verifier is required for this authorization code.');
    if (!constantTimeEqual(s256(verifier), row.code_challenge)) throw invalidGrant('The code_verifier does not match the code challenge.');
  } else if (verifier !== null) {
    throw invalidGrant('The authorization request did not carry a code challenge.');
  }
  const userId = Number(row.user_id);
  if (!(await userCanLogIn(deps, userId))) throw invalidGrant('The user can no longer sign in.');
  const scopes = storedScopes(row.scopes).filter((scope) => client.scopes.includes(scope));
  if (scopes.length === 0) throw invalidScope();

  const familyId = newFamilyId();
  // The conditional update is the single-use guard: of two concurrent exchanges only one wins.
  if (!(await claimAuthorizationCode(deps.db, hash, familyId, now))) throw invalidGrant('The authorization code has already been used.');
  return issueTokens(deps, { userId, clientId: client.clientId, tenantId: null, scopes, issuer, familyId });
}

/** docs/oauth.md#refresh-tokens: rotation without grace; a used token revokes its whole family. */
export async function refresh({ deps, client, params, issuer }: GrantContext): Promise<TokenResponse> {
  const presented = param(params, 'refresh_token');
  if (presented === null) throw missingParameter('refresh_token');
  const requested = parseScopeParam(param(params, 'scope'));
  const hash = hashOpaque(presented);
  const row = await findRefreshToken(deps.db, hash);
  if (!row || row.client_id !== client.clientId) throw invalidGrant('The refresh token is invalid.');
  if (row.revoked_at) throw invalidGrant('The refresh token has been revoked.');
  if (row.rotated_at) {
    await revokeFamily(deps, row.family_id);
    throw invalidGrant('The refresh token has already been used.');
  }
  const now = deps.clock.now();
  if (now.getTime() >= new Date(row.expires_at).getTime()) throw invalidGrant('The refresh token has expired.');
  const userId = Number(row.user_id);
  if (!(await userCanLogIn(deps, userId))) throw invalidGrant('The user can no longer sign in.');

  // Scopes removed from the application since are dropped; a refresh may narrow but never widen (docs/oauth.md#refresh-tokens).
  const held = storedScopes(row.scopes).filter((scope) => client.scopes.includes(scope));
  const scopes = grantScopes(requested, held);
  if (scopes.length === 0) throw invalidScope();

  if (!(await claimRefreshToken(deps.db, hash, now))) {
    await revokeFamily(deps, row.family_id);
    throw invalidGrant('The refresh token has already been used.');
  }
  return issueTokens(deps, { userId, clientId: client.clientId, tenantId: null, scopes, issuer, familyId: row.family_id });
}

/** docs/oauth.md#grants client_credentials: the application itself, bound to its owning tenant, no refresh token. */
export async function clientCredentials({ deps, client, params, issuer }: GrantContext): Promise<TokenResponse> {
  const scopes = grantScopes(parseScopeParam(param(params, 'scope')), client.scopes);
  if (scopes.length === 0) throw invalidScope();
  return issueTokens(deps, { userId: null, clientId: client.clientId, tenantId: client.tenantId, scopes, issuer, familyId: null });
}
