import crypto from 'node:crypto';
import { randomString, sha256Hex } from '../../platform/crypto.js';
import type { Queryable } from '../../platform/db/db.js';
import { AppError } from '../../http/errors.js';
import { findSessionByDigest, touchSession, type VisitorSession } from './visitor-session.repository.js';

/** Visitor tokens (docs/channels.md#website-widget): 32 random bytes, base64url, stored as their SHA-256 digest. */

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** A session used again within this much of its last recorded use is not written again (one write a minute at most). */
const TOUCH_GRANULARITY_MS = 60_000;
/** 43 base64url characters encode 32 bytes; anything else cannot be a token and is refused without a query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const INVALID_VISITOR_TOKEN = 'The visitor token is invalid or has expired.';

export function newVisitorToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function tokenDigest(token: string): string {
  return sha256Hex(token);
}

/** `web-` and 12 random lowercase letters and digits: the visitor's address on the channel. */
export function newVisitorAddress(): string {
  return `web-${randomString(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
}

export function unauthorizedVisitor(): AppError {
  return new AppError('unauthorized', INVALID_VISITOR_TOKEN, { headers: { 'WWW-Authenticate': 'Bearer realm="widget"' } });
}

/** The session of a token that is known, unexpired and bound to a live website channel; null otherwise. */
export async function findLiveSession(db: Queryable, token: unknown, now: Date): Promise<VisitorSession | null> {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
  return liveSession(await findSessionByDigest(db, tokenDigest(token)), now);
}

function liveSession(session: VisitorSession | null, now: Date): VisitorSession | null {
  if (!session || !session.channel_live || session.expires_at.getTime() <= now.getTime()) return null;
  return session;
}

/** A use of the session: valid 30 days from now. Returns the new expiry. */
export async function useSession(db: Queryable, session: VisitorSession, now: Date): Promise<Date> {
  if (now.getTime() - session.last_used_at.getTime() < TOUCH_GRANULARITY_MS) return session.expires_at;
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + SESSION_TTL_MS);
  await touchSession(db, session, now, expiresAt);
  return expiresAt;
}
