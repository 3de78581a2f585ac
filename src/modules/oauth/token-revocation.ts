import type { AppDeps } from '../../app-deps.js';
import { findUserByEmail, revokeAccountTokens } from '../users/user.repository.js';
import { PersonalTokenError } from './personal-tokens.js';
import { revokeUnexpiredAccessToken } from './access-token.repository.js';

/**
 * `flextell token revoke`. An access token's row is kept until the token expires (oauth cleanup), so marking it
 * revoked is the record every process checks; each honours it within its 2-second token cache (README, OAuth).
 */
export async function revokeTokenByJti(deps: AppDeps, jti: string): Promise<void> {
  const now = deps.clock.now();
  if (!(await revokeUnexpiredAccessToken(deps.db, jti, now))) throw new PersonalTokenError(`No unexpired access token has the jti ${jti}.`);
}

/** Every access and refresh token of the account; returns how many access tokens were still live. */
export async function revokeTokensOfEmail(deps: AppDeps, email: string): Promise<number> {
  const user = await findUserByEmail(deps.db, email);
  if (!user) throw new PersonalTokenError(`No user has the email ${email}.`);
  return deps.db.transaction((tx) => revokeAccountTokens(tx, user.id, deps.clock.now()));
}
