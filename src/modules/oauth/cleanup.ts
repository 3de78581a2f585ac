import type { Queryable } from '../../platform/db/db.js';
import { LOGIN_FAILURE_WINDOW_MS } from './server/pages/login-limits.js';

export const OAUTH_CLEANUP_JOB = 'oauth_cleanup';
/** How often each worker process asks for a cleanup run; the job's ordering key lets only one run at a time. */
export const OAUTH_CLEANUP_EVERY_MS = 5 * 60 * 1000;

const IDLE_MS = 2 * 3600 * 1000;
const BATCH = 5000;
/** A run stops after this many batches of one kind; the next run continues (bounded work per job). */
const MAX_BATCHES = 20;

/**
 * What is deleted, each kind once it can no longer be used or needed (`$1` = now, `$2` = batch size):
 * - login sessions past their 12 h end or 2 h idle (revoked ones at the latest at their end);
 * - pending consent requests and codes past their 10 minutes — except a used code whose token family still has an
 *   unexpired refresh token: presenting it again must still revoke that family (RFC 6749 §4.1.2);
 * - refresh families once their newest (unrotated) token has expired, revoked or not: until then a rotated or revoked
 *   token presented again is recognised (reuse detection, introspection `active: false`);
 * - access tokens past their expiry (an expired JWT fails verification before its record is read);
 * - login failures outside the 15-minute window.
 */
const STATEMENTS: Record<string, string> = {
  login_sessions: `DELETE FROM login_sessions WHERE id_hash IN (
      (SELECT id_hash FROM login_sessions WHERE expires_at <= $1 LIMIT $2)
      UNION (SELECT id_hash FROM login_sessions WHERE last_seen_at <= $1::timestamptz - make_interval(secs => ${IDLE_MS / 1000}) LIMIT $2))`,
  authorization_requests: `DELETE FROM authorization_requests WHERE id_hash IN (
      SELECT id_hash FROM authorization_requests WHERE expires_at <= $1 LIMIT $2)`,
  authorization_codes: `DELETE FROM authorization_codes WHERE code_hash IN (
      SELECT c.code_hash FROM authorization_codes c
       WHERE c.expires_at <= $1
         AND (c.family_id IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = c.family_id AND r.expires_at > $1))
       LIMIT $2)`,
  refresh_tokens: `DELETE FROM refresh_tokens WHERE family_id IN (
      SELECT h.family_id FROM refresh_tokens h
       WHERE h.rotated_at IS NULL AND h.expires_at <= $1
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = h.family_id AND r.expires_at > $1)
       LIMIT $2)`,
  access_tokens: `DELETE FROM access_tokens WHERE jti IN (SELECT jti FROM access_tokens WHERE expires_at <= $1 LIMIT $2)`,
  login_failures: `DELETE FROM login_failures WHERE ctid IN (
      SELECT ctid FROM login_failures WHERE failed_at <= $1::timestamptz - make_interval(secs => ${LOGIN_FAILURE_WINDOW_MS / 1000}) LIMIT $2)`,
};

/** Deletes expired OAuth state in bounded batches; returns the number of rows deleted per table. */
export async function cleanUpOAuthState(db: Queryable, now: Date): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const [table, statement] of Object.entries(STATEMENTS)) {
    deleted[table] = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const result = await db.query(statement, [now, BATCH]);
      deleted[table] += result.rowCount;
      if (result.rowCount < BATCH) break;
    }
  }
  return deleted;
}
