import { Algorithm, hash } from '@node-rs/argon2';
import type { Queryable } from '../../platform/db/db.js';

/** argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export async function insertUser(
  tx: Queryable,
  user: { name: string; email: string; passwordHash: string | null },
  now: Date,
): Promise<number> {
  const result = await tx.query<{ id: number }>(
    'INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id',
    [user.name, user.email, user.passwordHash, now],
  );
  return result.rows[0]!.id;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<{ id: number; name: string } | null> {
  const result = await db.query<{ id: number; name: string }>(
    'SELECT id, name FROM users WHERE email_key(email) = email_key($1) AND deleted_at IS NULL',
    [email],
  );
  return result.rows[0] ?? null;
}

/**
 * Ends what lets the account back in without its password: every access and refresh token and login session (a
 * password change, or the loss of its last active membership). Processes honour it within their 2-second token cache.
 */
export async function revokeAccountGrants(tx: Queryable, userId: number, now: Date): Promise<void> {
  await revokeAccountTokens(tx, userId, now);
  await tx.query('UPDATE login_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, now]);
}

/**
 * Every access token (personal or OAuth) and refresh token of the account; returns how many access tokens were live.
 * Rows are marked revoked for introspection, and tokens_valid_after also rejects a token whose mint began before this
 * and whose row is written after it.
 */
export async function revokeAccountTokens(tx: Queryable, userId: number, now: Date): Promise<number> {
  await tx.query('UPDATE users SET tokens_valid_after = $2 WHERE id = $1', [userId, now]);
  await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, now]);
  const revoked = await tx.query('UPDATE access_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2', [userId, now]);
  return revoked.rowCount;
}
