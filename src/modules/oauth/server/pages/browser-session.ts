import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { constantTimeEqual, hmacSha256Hex, sha256Hex } from '../../../../platform/crypto.js';
import { publicBaseUrl, requestScheme } from '../../../../http/request-info.js';
import { insertLoginSession, revokeLoginSession, touchLoginSession } from './login.repository.js';

export const SESSION_COOKIE = 'flextell_session';
const IDLE_MS = 2 * 3600 * 1000;
const ABSOLUTE_MS = 12 * 3600 * 1000;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface BrowserSession {
  idHash: string;
  userId: number | null;
  csrfToken: string;
}

export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

export function isSecure(request: FastifyRequest, deps: AppDeps): boolean {
  return deps.config.publicUrl?.startsWith('https:') === true || requestScheme(request) === 'https';
}

function setCookie(request: FastifyRequest, reply: FastifyReply, deps: AppDeps, value: string): void {
  const secure = isSecure(request, deps) ? '; Secure' : '';
  reply.header('Set-Cookie', `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Lax; Path=/${secure}`);
}

/** The live session of the request's cookie (docs/oauth.md#login-and-consent-pages: 2 h idle, 12 h total), touched on use. */
export async function loadSession(deps: AppDeps, request: FastifyRequest): Promise<BrowserSession | null> {
  const cookie = readCookie(request, SESSION_COOKIE);
  if (!cookie || !COOKIE_VALUE.test(cookie)) return null;
  const now = deps.clock.now();
  const row = await touchLoginSession(deps.db, sha256Hex(cookie), now, new Date(now.getTime() - IDLE_MS));
  return row ? { idHash: row.id_hash, userId: row.user_id === null ? null : Number(row.user_id), csrfToken: row.csrf_token } : null;
}

/** A new stored session of a user (at login) with a new id and CSRF token, sent as the cookie. */
export async function startSession(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, userId: number): Promise<BrowserSession> {
  const value = crypto.randomBytes(32).toString('base64url');
  const session = { idHash: sha256Hex(value), userId, csrfToken: crypto.randomBytes(32).toString('base64url') };
  const now = deps.clock.now();
  await insertLoginSession(deps.db, { ...session, expiresAt: new Date(now.getTime() + ABSOLUTE_MS) }, now);
  setCookie(request, reply, deps, value);
  return session;
}

/**
 * An anonymous session is not stored: its CSRF token is an HMAC of the cookie value and the hour, so a cookie-less
 * GET of the login page writes nothing (a crawler or a flood of page views cannot fill login_sessions); only a login
 * stores a session. The token binds the form to the cookie, which another site can neither read nor set, and it
 * expires like an idle session: a form is accepted for 2 to 3 hours after the page was served.
 */
const ANONYMOUS_HOUR_MS = 3600 * 1000;
const ANONYMOUS_HOURS_ACCEPTED = IDLE_MS / ANONYMOUS_HOUR_MS + 1;

function anonymousCsrfToken(deps: AppDeps, cookie: string, hour: number): string {
  return Buffer.from(hmacSha256Hex(deps.box.derive('anonymous-session-csrf'), `${cookie}:${hour}`), 'hex').toString('base64url');
}

function anonymousSession(deps: AppDeps, cookie: string): BrowserSession {
  const hour = Math.floor(deps.clock.now().getTime() / ANONYMOUS_HOUR_MS);
  return { idHash: sha256Hex(cookie), userId: null, csrfToken: anonymousCsrfToken(deps, cookie, hour) };
}

/** The anonymous session of the cookie when `sent` is one of its tokens of the accepted hours. */
function anonymousSessionWithToken(deps: AppDeps, cookie: string, sent: string): BrowserSession | null {
  const hour = Math.floor(deps.clock.now().getTime() / ANONYMOUS_HOUR_MS);
  for (let age = 0; age < ANONYMOUS_HOURS_ACCEPTED; age++) {
    if (constantTimeEqual(sent, anonymousCsrfToken(deps, cookie, hour - age))) return anonymousSession(deps, cookie);
  }
  return null;
}

/** A new anonymous session: a new cookie value, nothing written. */
export function startAnonymousSession(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): BrowserSession {
  const value = crypto.randomBytes(32).toString('base64url');
  setCookie(request, reply, deps, value);
  return anonymousSession(deps, value);
}

/** The stored session of the cookie, else the anonymous session of the cookie (a new cookie when there is none). */
export async function ensureSession(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<BrowserSession> {
  const stored = await loadSession(deps, request);
  if (stored) return stored;
  const cookie = readCookie(request, SESSION_COOKIE);
  return cookie && COOKIE_VALUE.test(cookie) ? anonymousSession(deps, cookie) : startAnonymousSession(deps, request, reply);
}

export async function endSession(deps: AppDeps, session: BrowserSession): Promise<void> {
  await revokeLoginSession(deps.db, session.idHash, deps.clock.now());
}

/**
 * docs/oauth.md#login-and-consent-pages: a POST needs the session's CSRF token and, when the browser sends Origin, this server's origin.
 * Returns the session when the form may proceed.
 */
export async function checkCsrf(deps: AppDeps, request: FastifyRequest, form: URLSearchParams): Promise<BrowserSession | null> {
  const origin = request.headers.origin;
  // Our pages send Referrer-Policy: no-referrer, under which Chromium sends `Origin: null` even for same-origin
  // form posts: an opaque origin says nothing, so it counts as not sent and the CSRF token decides.
  if (origin !== undefined && origin !== 'null' && origin !== new URL(publicBaseUrl(request, deps.config)).origin) return null;
  const sent = form.get('_csrf');
  if (!sent) return null;
  const stored = await loadSession(deps, request);
  if (stored) return constantTimeEqual(sent, stored.csrfToken) ? stored : null;
  const cookie = readCookie(request, SESSION_COOKIE);
  return cookie && COOKIE_VALUE.test(cookie) ? anonymousSessionWithToken(deps, cookie, sent) : null;
}
