import type { AppDeps } from '../../app-deps.js';
import { PersonalTokenError } from '../oauth/personal-tokens.js';
import { findUserByEmail, hashPassword, revokeAccountGrants, setPasswordHash } from './user.repository.js';

/** `flextell password`: new hash, and every access and refresh token and login session of the account is revoked. */
export async function setPassword(deps: AppDeps, email: string, password: string): Promise<void> {
  const user = await findUserByEmail(deps.db, email);
  if (!user) throw new PersonalTokenError(`No user has the email ${email}.`);
  const passwordHash = await hashPassword(password);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await setPasswordHash(tx, user.id, passwordHash, now);
    await revokeAccountGrants(tx, user.id, now);
  });
}
