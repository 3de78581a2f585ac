/**
 * When a failed attempt is tried again (docs/webhooks.md#retries): Standard Webhooks' example schedule, each delay
 * stretched by a random 0–10 %, a longer Retry-After (429, 503) winning up to 24 hours; FLEXTELL_WEBHOOK_RETRY_SCALE
 * shrinks every delay for tests.
 */

/** Seconds after attempt n (1-based) before attempt n + 1; 10 attempts in all. */
export const RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
const MAX_RETRY_AFTER_SECONDS = 86400;

/** A Retry-After header as seconds from `now` (delta seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, (at - now.getTime()) / 1000), MAX_RETRY_AFTER_SECONDS);
}

/** The time of the next attempt after attempt `attempts` failed; null when that was the last. */
export function nextAttemptAt(attempts: number, now: Date, options: { retryAfter: number | null; scale: number; random: () => number }): Date | null {
  const base = RETRY_DELAYS_SECONDS[attempts - 1];
  if (base === undefined) return null;
  let delay = base * (1 + 0.1 * options.random());
  if (options.retryAfter !== null && options.retryAfter > delay) delay = options.retryAfter;
  return new Date(now.getTime() + Math.round(delay * options.scale * 1000));
}
