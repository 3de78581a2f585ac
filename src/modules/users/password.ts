import type { AppDeps } from '../../app-deps.js';
import { PersonalTokenError } from '../oauth/personal-tokens.js';
import { findUserByEmail, hashPassword } from './user.repository.js';

/** `flextell password`: new hash, and every refresh token and login session of the account is revoked. */
export async function setPassword(deps: AppDeps, email: string, password: string): Promise<void> {
  const user = await findUserByEmail(deps.db, email);
  if (!user) throw new PersonalTokenError(`No user has the email ${email}.`);
  const passwordHash = await hashPassword(password);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.query('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [user.id, passwordHash, now]);
    await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [user.id, now]);
    await tx.query('UPDATE login_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [user.id, now]);
  });
}
