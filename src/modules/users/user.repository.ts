import { Algorithm, hash } from '@node-rs/argon2';
import type { Queryable } from '../../platform/db/db.js';

/** argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export async function insertUser(tx: Queryable, user: { name: string; email: string; passwordHash: string | null }, now: Date): Promise<number> {
  const result = await tx.query<{ id: number }>(
    'INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id',
    [user.name, user.email, user.passwordHash, now],
  );
  return result.rows[0]!.id;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<{ id: number; name: string } | null> {
  const result = await db.query<{ id: number; name: string }>('SELECT id, name FROM users WHERE email_key(email) = email_key($1) AND deleted_at IS NULL', [
    email,
  ]);
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

/** The account fields a member's profile writes (POST and PUT /users). */
export const PROFILE_COLUMNS = [
  'name',
  'email',
  'title',
  'phone',
  'emergency_contact_name',
  'emergency_contact_surname',
  'emergency_contact_phone_number',
  'blood_group',
  'language',
  'avatar_url',
  'bio',
] as const;
export type ProfileColumn = (typeof PROFILE_COLUMNS)[number];
export type Profile = Partial<Record<ProfileColumn, string | string[] | null>>;

const EMAIL_LOCK_CLASS = 4_004;

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function columnValue(column: ProfileColumn, value: string | string[] | null | undefined): unknown {
  if (column === 'language') return JSON.stringify(distinct((value as string[] | null) ?? []));
  return value ?? null;
}

/** Serialises the transactions taking one address (in its canonical form) until they end. */
export async function lockEmail(tx: Queryable, email: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(email_key($2)))', [EMAIL_LOCK_CLASS, email]);
}

/** Emails are unique across every account, removed ones included, compared in their canonical form. */
export async function emailTaken(db: Queryable, email: string, exceptUserId: number | null): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM users WHERE email_key(email) = email_key($1) AND ($2::bigint IS NULL OR id <> $2::bigint) LIMIT 1', [
    email,
    exceptUserId,
  ]);
  return result.rows.length > 0;
}

/** A new account with the present profile fields; returns its id. */
export async function insertUserProfile(tx: Queryable, profile: Profile, passwordHash: string, now: Date): Promise<number> {
  const columns = PROFILE_COLUMNS.filter((column) => profile[column] !== undefined);
  const values = columns.map((column) => columnValue(column, profile[column]));
  const placeholders = columns.map((column, index) => `$${index + 3}${column === 'language' ? '::jsonb' : ''}`);
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO users (password_hash, created_at, updated_at, ${columns.join(', ')})
     VALUES ($1, $2, $2, ${placeholders.join(', ')}) RETURNING id`,
    [passwordHash, now, ...values],
  );
  return Number(inserted.rows[0]!.id);
}

/**
 * Writes the present profile fields and a new password hash when given; updated_at moves only when something really
 * changed (a new password always does).
 */
export async function updateUserProfile(tx: Queryable, userId: number, profile: Profile, passwordHash: string | null, now: Date): Promise<void> {
  const columns = PROFILE_COLUMNS.filter((column) => profile[column] !== undefined);
  if (columns.length === 0 && passwordHash === null) return;
  const params: unknown[] = [userId, now, passwordHash];
  const targets = columns.map((column) => {
    params.push(columnValue(column, profile[column]));
    return `$${params.length}::${column === 'language' ? 'jsonb' : 'text'}`;
  });
  const sets = columns.map((column, index) => `${column} = ${targets[index]}`);
  const changed = columns.length === 0 ? 'false' : `ROW(${columns.join(', ')}) IS DISTINCT FROM ROW(${targets.join(', ')})`;
  await tx.query(
    `UPDATE users SET ${[...sets, 'password_hash = COALESCE($3::text, password_hash)'].join(', ')},
            updated_at = CASE WHEN $3::text IS NOT NULL OR ${changed} THEN $2 ELSE updated_at END
      WHERE id = $1`,
    params,
  );
}

/** A password change of `flextell password`: the hash, and updated_at. */
export async function setPasswordHash(tx: Queryable, userId: number, passwordHash: string, now: Date): Promise<void> {
  await tx.query('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [userId, passwordHash, now]);
}

export async function findUserEmail(db: Queryable, userId: number): Promise<string | null> {
  const user = await db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
  return user.rows[0]?.email ?? null;
}

/** What sign-in needs of an account: its hash, and whether a live, active membership lets it in. */
export interface LoginAccount {
  id: number;
  password_hash: string | null;
  can_log_in: boolean;
}

export async function findLoginAccount(db: Queryable, email: string): Promise<LoginAccount | null> {
  const result = await db.query<LoginAccount>(
    `SELECT u.id, u.password_hash,
            EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.deleted_at IS NULL AND m.is_active) AS can_log_in
       FROM users u WHERE email_key(u.email) = email_key($1) AND u.deleted_at IS NULL`,
    [email],
  );
  return result.rows[0] ?? null;
}

/** A rehash of the same password (legacy bcrypt to argon2id): not a change, updated_at stays. */
export async function replacePasswordHash(db: Queryable, userId: number, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
}

export async function recordLogin(db: Queryable, userId: number, now: Date, ip: string): Promise<void> {
  await db.query('UPDATE users SET last_login_at = $2, last_login_ip = $3 WHERE id = $1', [userId, now, ip]);
}
