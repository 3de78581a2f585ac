import type { Queryable } from '../../../../platform/db/db.js';

/**
 * SQL of the browser sign-in: login_failures (the failure windows of login-limits.ts) and login_sessions (the
 * stored sessions of browser-session.ts).
 */

/**
 * Advisory locks on the keys' hashes, taken in one fixed order so two attempts sharing keys never wait on each
 * other in a cycle.
 */
export async function lockLoginKeys(tx: Queryable, lockClass: number, keys: string[]): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, lock) FROM (SELECT DISTINCT hashtext(key) AS lock FROM unnest($2::text[]) key ORDER BY 1) locks', [
    lockClass,
    keys,
  ]);
}

/** Failures per key since `since` (keys without failures are left out). */
export async function countLoginFailures(tx: Queryable, keys: string[], since: Date): Promise<Array<{ key: string; failures: number }>> {
  const result = await tx.query<{ key: string; failures: string }>(
    `SELECT key, count(*) AS failures FROM login_failures
      WHERE key = ANY($1::text[]) AND failed_at > $2 GROUP BY key`,
    [keys, since],
  );
  return result.rows.map((row) => ({ key: row.key, failures: Number(row.failures) }));
}

/** The time of the key's failure at `position` (0 = oldest) among those since `since`. */
export async function nthLoginFailureAt(tx: Queryable, key: string, since: Date, position: number): Promise<Date | null> {
  const result = await tx.query<{ failed_at: Date }>(
    'SELECT failed_at FROM login_failures WHERE key = $1 AND failed_at > $2 ORDER BY failed_at OFFSET $3 LIMIT 1',
    [key, since, position],
  );
  return result.rows[0]?.failed_at ?? null;
}

export async function deleteLoginFailuresBefore(tx: Queryable, keys: string[], until: Date): Promise<void> {
  await tx.query('DELETE FROM login_failures WHERE key = ANY($1::text[]) AND failed_at <= $2', [keys, until]);
}

/** One failure per key, all marked with the attempt that recorded them. */
export async function insertLoginFailures(tx: Queryable, keys: string[], now: Date, attempt: string): Promise<void> {
  await tx.query('INSERT INTO login_failures (key, failed_at, attempt) SELECT unnest($1::text[]), $2, $3', [keys, now, attempt]);
}

/** Deletes every failure of `clearedKeys`, and the failure `attempt` recorded under `attemptKey`. */
export async function clearLoginFailures(db: Queryable, clearedKeys: string[], attemptKey: string, attempt: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE key = ANY($1::text[]) OR (key = $2 AND attempt = $3)', [clearedKeys, attemptKey, attempt]);
}

export interface LoginSessionRow {
  id_hash: string;
  user_id: number | null;
  csrf_token: string;
}

/** The live session (not revoked, not past its end, seen after `idleSince`), touched at `now`. */
export async function touchLoginSession(db: Queryable, idHash: string, now: Date, idleSince: Date): Promise<LoginSessionRow | null> {
  const result = await db.query<LoginSessionRow>(
    `UPDATE login_sessions SET last_seen_at = $2
      WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
      RETURNING id_hash, user_id, csrf_token`,
    [idHash, now, idleSince],
  );
  return result.rows[0] ?? null;
}

export async function insertLoginSession(
  db: Queryable,
  session: { idHash: string; userId: number; csrfToken: string; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db.query(`INSERT INTO login_sessions (id_hash, user_id, csrf_token, last_seen_at, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $4)`, [
    session.idHash,
    session.userId,
    session.csrfToken,
    now,
    session.expiresAt,
  ]);
}

export async function revokeLoginSession(db: Queryable, idHash: string, now: Date): Promise<void> {
  await db.query('UPDATE login_sessions SET revoked_at = $2 WHERE id_hash = $1', [idHash, now]);
}
