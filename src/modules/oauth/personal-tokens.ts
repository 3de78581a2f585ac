import type { AppDeps } from '../../app-deps.js';
import { PERSONAL_CLIENT } from './access-tokens.js';
import { SCOPES, type Scope } from './scopes.js';
import { hasActiveMembershipIn } from '../users/membership.repository.js';
import { findUserByEmail } from '../users/user.repository.js';

export const PERSONAL_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export class PersonalTokenError extends Error {}

/**
 * `flextell token` and the demo banner: a personal token for any user with an active membership (in `tenantId`
 * when given, which also binds the token to it).
 */
export async function mintPersonalToken(
  deps: AppDeps,
  request: { email: string; tenantId: number | null; scopes?: readonly Scope[]; lifetimeSeconds?: number; issuer: string },
): Promise<string> {
  const user = await findUserByEmail(deps.db, request.email);
  if (!user) throw new PersonalTokenError(`No user has the email ${request.email}.`);
  if (!(await hasActiveMembershipIn(deps.db, user.id, request.tenantId))) {
    throw new PersonalTokenError(
      request.tenantId === null
        ? `The user ${request.email} has no active membership in any tenant.`
        : `The user ${request.email} is not an active member of tenant ${request.tenantId}.`,
    );
  }
  const minted = await deps.tokens.mint({
    userId: user.id,
    clientId: PERSONAL_CLIENT,
    tenantId: request.tenantId,
    scopes: request.scopes ?? SCOPES,
    lifetimeSeconds: request.lifetimeSeconds ?? PERSONAL_TOKEN_LIFETIME_SECONDS,
    issuer: request.issuer,
  });
  return minted.token;
}
