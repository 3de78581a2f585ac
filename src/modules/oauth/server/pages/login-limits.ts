import type { AppDeps } from '../../../../app-deps.js';
import type { Queryable } from '../../../../platform/db/db.js';
import { randomToken } from '../../../../platform/crypto.js';
import { canonicalEmail } from '../../../users/email-key.js';
import {
  clearLoginFailures,
  countLoginFailures,
  deleteLoginFailuresBefore,
  insertLoginFailures,
  lockLoginKeys,
  nthLoginFailureAt,
} from './login.repository.js';

export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Failed logins are counted over 15 minutes under three keys (docs/oauth.md#login-limits plus the "per IP and account"),
 * the email always in its canonical form (README "Accounts and sign-in"):
 * - (email, client IP): FLEXTELL_LOGIN_RATE_LIMIT (default 10) — the spec's limit;
 * - the client IP alone, any email: 5 × that (default 50) — one address guessing across many accounts;
 * - the account alone, any IP: 3 × that (default 30) — one account guessed from many addresses.
 * The wider limits sit above the pair's, so a user who mistypes is stopped by the pair first.
 *
 * A browser holding a device cookie for the account (device-cookie.ts) is counted under (email, device) instead of
 * (email, IP) and never under the account: strangers exhausting the account's budget cannot lock out its owner.
 */
export const IP_LIMIT_FACTOR = 5;
export const ACCOUNT_LIMIT_FACTOR = 3;

/** Keeps the per-key locks of concurrent attempts apart from other advisory locks (user.service.ts uses 4004). */
const LOGIN_LOCK_CLASS = 4_005;

export interface LoginKeys {
  pair: string;
  ip: string;
  account: string;
  /** An attempt from a device trusted for the account is not counted under the account. */
  trustedDevice: boolean;
}

export function loginKeys(email: string, ip: string, trustedDevice: string | null = null): LoginKeys {
  const account = canonicalEmail(email);
  const keys = { ip: `ip:${ip}`, account: `account:${account}` };
  if (trustedDevice !== null) return { ...keys, pair: `${account}|device:${trustedDevice}`, trustedDevice: true };
  // The pair keeps the key format of earlier releases, so failures stored before an upgrade still count.
  return { ...keys, pair: `${account}|${ip}`, trustedDevice: false };
}

function limits(deps: AppDeps, keys: LoginKeys): Map<string, number> {
  const base = deps.config.loginRateLimit;
  const limitOf = new Map([
    [keys.pair, base],
    [keys.ip, base * IP_LIMIT_FACTOR],
  ]);
  if (!keys.trustedDevice) limitOf.set(keys.account, base * ACCOUNT_LIMIT_FACTOR);
  return limitOf;
}

export type LoginAttempt = { attempt: string } | { retryAfter: number };

/**
 * Counts the attempt as a failure before its password is checked, under locks on its keys: of any number of
 * concurrent attempts, at most the limit get as far as a password check. A successful attempt is taken back by
 * `loginSucceeded`; a failed one (or one whose process died) stays counted.
 */
export async function beginLoginAttempt(deps: AppDeps, keys: LoginKeys): Promise<LoginAttempt> {
  const limitOf = limits(deps, keys);
  const all = [...limitOf.keys()];
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // One fixed order of the locks, so two attempts sharing keys never wait on each other in a cycle.
    await lockLoginKeys(tx, LOGIN_LOCK_CLASS, all);
    const retryAfter = await secondsUntilAllowed(tx, limitOf, now.getTime());
    if (retryAfter !== null) return { retryAfter };
    // Failures that left the window are never counted again: drop this request's so the table stays small.
    await deleteLoginFailuresBefore(tx, all, new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS));
    const attempt = randomToken(16);
    await insertLoginFailures(tx, all, now, attempt);
    return { attempt };
  });
}

/** Seconds until another attempt is allowed (the longest wait of the exceeded keys); null when it is allowed now. */
async function secondsUntilAllowed(tx: Queryable, limitOf: Map<string, number>, now: number): Promise<number | null> {
  const counts = await countLoginFailures(tx, [...limitOf.keys()], new Date(now - LOGIN_FAILURE_WINDOW_MS));
  let wait: number | null = null;
  for (const row of counts) {
    const limit = limitOf.get(row.key) ?? Infinity;
    const failures = row.failures;
    if (failures < limit) continue;
    // The attempt is allowed again once enough failures left the window to go below the limit.
    const seconds = await secondsUntilBelow(tx, row.key, failures - limit + 1, now);
    wait = Math.max(wait ?? 0, seconds);
  }
  return wait;
}

async function secondsUntilBelow(tx: Queryable, key: string, mustLeave: number, now: number): Promise<number> {
  const leaving = await nthLoginFailureAt(tx, key, new Date(now - LOGIN_FAILURE_WINDOW_MS), mustLeave - 1);
  if (!leaving) return 1;
  return Math.max(1, Math.ceil((new Date(leaving).getTime() + LOGIN_FAILURE_WINDOW_MS - now) / 1000));
}

/**
 * A successful login clears the pair (docs/oauth.md#login-limits) and takes back its own attempt under the IP; the IP's other failures
 * stay, or an attacker could reset them by signing in to an account of their own between guesses. The account's count
 * is cleared only by a sign-in it applied to: a trusted device's sign-in leaves strangers' failures standing.
 */
export async function loginSucceeded(deps: AppDeps, keys: LoginKeys, attempt: string): Promise<void> {
  await clearLoginFailures(deps.db, keys.trustedDevice ? [keys.pair] : [keys.pair, keys.account], keys.ip, attempt);
}
