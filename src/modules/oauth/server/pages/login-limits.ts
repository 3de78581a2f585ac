import type { AppDeps } from '../../../../app-deps.js';

export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Failed logins are counted over 15 minutes under three keys (oauth.md §13.7 plus the "per IP and account"):
 * - (lower-cased email, client IP): FLEXTELL_LOGIN_RATE_LIMIT (default 10) — the spec's limit;
 * - the client IP alone, any email: 5 × that (default 50) — one address guessing across many accounts;
 * - the account (lower-cased email) alone, any IP: 3 × that (default 30) — one account guessed from many addresses.
 * The wider limits sit above the pair's, so a user who mistypes is stopped by the pair first.
 */
export const IP_LIMIT_FACTOR = 5;
export const ACCOUNT_LIMIT_FACTOR = 3;

export interface LoginKeys {
  pair: string;
  ip: string;
  account: string;
}

export function loginKeys(email: string, ip: string): LoginKeys {
  const account = email.toLowerCase();
  // The pair keeps the key format of earlier releases, so failures stored before an upgrade still count.
  return { pair: `${account}|${ip}`, ip: `ip:${ip}`, account: `account:${account}` };
}

function limits(deps: AppDeps, keys: LoginKeys): Map<string, number> {
  const base = deps.config.loginRateLimit;
  return new Map([
    [keys.pair, base],
    [keys.ip, base * IP_LIMIT_FACTOR],
    [keys.account, base * ACCOUNT_LIMIT_FACTOR],
  ]);
}

/** Seconds until another attempt is allowed (the longest wait of the exceeded keys); null when it is allowed now. */
export async function loginRetryAfter(deps: AppDeps, keys: LoginKeys): Promise<number | null> {
  const now = deps.clock.now().getTime();
  const limitOf = limits(deps, keys);
  const result = await deps.db.query<{ key: string; failures: string; oldest: Date }>(
    `SELECT key, count(*) AS failures, min(failed_at) AS oldest FROM login_failures
      WHERE key = ANY($1::text[]) AND failed_at > $2 GROUP BY key`,
    [[...limitOf.keys()], new Date(now - LOGIN_FAILURE_WINDOW_MS)],
  );
  let wait: number | null = null;
  for (const row of result.rows) {
    const limit = limitOf.get(row.key) ?? Infinity;
    const failures = Number(row.failures);
    if (failures < limit) continue;
    // The attempt is allowed again once enough failures left the window to go below the limit.
    const seconds = await secondsUntilBelow(deps, row.key, failures - limit + 1, now);
    wait = Math.max(wait ?? 0, seconds);
  }
  return wait;
}

async function secondsUntilBelow(deps: AppDeps, key: string, mustLeave: number, now: number): Promise<number> {
  const result = await deps.db.query<{ failed_at: Date }>(
    'SELECT failed_at FROM login_failures WHERE key = $1 AND failed_at > $2 ORDER BY failed_at OFFSET $3 LIMIT 1',
    [key, new Date(now - LOGIN_FAILURE_WINDOW_MS), mustLeave - 1],
  );
  const leaving = result.rows[0]?.failed_at;
  if (!leaving) return 1;
  return Math.max(1, Math.ceil((new Date(leaving).getTime() + LOGIN_FAILURE_WINDOW_MS - now) / 1000));
}

export async function recordLoginFailure(deps: AppDeps, keys: LoginKeys): Promise<void> {
  const now = deps.clock.now();
  const all = [keys.pair, keys.ip, keys.account];
  // Failures that left the window are never counted again: drop this request's so the table stays small.
  await deps.db.query('DELETE FROM login_failures WHERE key = ANY($1::text[]) AND failed_at <= $2', [all, new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS)]);
  await deps.db.query('INSERT INTO login_failures (key, failed_at) SELECT unnest($1::text[]), $2', [all, now]);
}

/**
 * A successful login clears the pair (§13.7) and the account's count; the IP's count stays, or an attacker could
 * reset it by signing in to an account of their own between guesses.
 */
export async function clearLoginFailures(deps: AppDeps, keys: LoginKeys): Promise<void> {
  await deps.db.query('DELETE FROM login_failures WHERE key = ANY($1::text[])', [[keys.pair, keys.account]]);
}
