import type { FastifyReply, FastifyRequest } from 'fastify';
import { verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import type { AppDeps } from '../../../../app-deps.js';
import { clientIp } from '../../../../http/request-info.js';
import { findLoginAccount, hashPassword, recordLogin, replacePasswordHash, type LoginAccount } from '../../../users/user.repository.js';
import { checkCsrf, endSession, ensureSession, startAnonymousSession, startSession, type BrowserSession } from './browser-session.js';
import { beginLoginAttempt, loginKeys, loginSucceeded } from './login-limits.js';
import { rememberDevice, trustedDevice } from './device-cookie.js';
import { PAGE_MESSAGES, escapeHtml, hidden, sendMessagePage, sendPage } from './html.js';

// Verified when the email is unknown, so both outcomes cost the same time.
const DUMMY_HASH = hashPassword('not-a-real-password');

/** docs/oauth.md#login-and-consent-pages: only relative /oauth/ paths are followed after login (never //host). */
export function safeReturnTo(value: string | null | undefined): string | null {
  if (!value || !value.startsWith('/oauth/') || value.startsWith('//') || /[\\\r\n]/.test(value)) return null;
  return value;
}

export function renderLogin(
  reply: FastifyReply,
  status: number,
  session: BrowserSession,
  options: { returnTo?: string | null; email?: string; error?: string; notice?: string },
): FastifyReply {
  const message = options.error
    ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>`
    : options.notice
      ? `<p class="notice">${escapeHtml(options.notice)}</p>`
      : '';
  return sendPage(
    reply,
    status,
    'Sign in — Flextell',
    `<h1>Sign in to Flextell</h1>${message}
<form method="post" action="/oauth/login">
${hidden('_csrf', session.csrfToken)}${hidden('return_to', options.returnTo ?? '')}
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export async function showLogin(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const session = await ensureSession(deps, request, reply);
  const returnTo = safeReturnTo((request.query as Record<string, string | undefined>).return_to);
  const notice = session.userId !== null && !returnTo ? PAGE_MESSAGES.signedIn : undefined;
  return renderLogin(reply, 200, session, { returnTo, ...(notice ? { notice } : {}) });
}

const LEGACY_BCRYPT = /^\$2[aby]\$\d\d\$/;

/** argon2id; legacy bcrypt ($2y$, from Laravel) is accepted once and replaced by an argon2id hash (docs/oauth.md#login-and-consent-pages). */
async function passwordMatches(deps: AppDeps, user: LoginAccount | null, password: string): Promise<boolean> {
  const stored = user?.password_hash ?? null;
  if (user && stored && LEGACY_BCRYPT.test(stored)) {
    if (!(await bcrypt.compare(password, stored).catch(() => false))) return false;
    await replacePasswordHash(deps.db, user.id, await hashPassword(password));
    return true;
  }
  if (!stored || !stored.startsWith('$argon2')) {
    await verify(await DUMMY_HASH, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

export async function submitLogin(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  const email = (form.get('email') ?? '').trim();
  const password = form.get('password') ?? '';
  const returnTo = safeReturnTo(form.get('return_to'));
  const keys = loginKeys(email, clientIp(request), trustedDevice(deps, request, email));

  const begun = await beginLoginAttempt(deps, keys);
  if ('retryAfter' in begun) {
    reply.header('Retry-After', String(begun.retryAfter));
    return sendMessagePage(reply, 429, `Too many failed sign-in attempts. Try again in ${begun.retryAfter} seconds.`);
  }
  const user = email === '' ? null : await findLoginAccount(deps.db, email);
  if (!(await passwordMatches(deps, user, password)) || !user?.can_log_in) {
    // Nothing to record: the attempt was counted as a failure before the password was checked.
    return renderLogin(reply, 401, session, { returnTo, email, error: PAGE_MESSAGES.badCredentials });
  }

  await loginSucceeded(deps, keys, begun.attempt);
  rememberDevice(deps, request, reply, email);
  await recordLogin(deps.db, user.id, deps.clock.now(), clientIp(request));
  // A new session id at login: a session fixed before sign-in is worth nothing after it.
  await endSession(deps, session);
  await startSession(deps, request, reply, Number(user.id));
  return reply
    .code(303)
    .header('Location', returnTo ?? '/oauth/login')
    .send('');
}

export async function submitLogout(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  await endSession(deps, session);
  startAnonymousSession(deps, request, reply);
  return reply
    .code(303)
    .header('Location', logoutReturnTo(form.get('return_to')) ?? '/oauth/login')
    .send('');
}

/** docs/oauth.md#login-and-consent-pages: after sign-out only the inbox or an OAuth page, as a plain relative path. */
export function logoutReturnTo(value: string | null): string | null {
  // Printable ASCII without a backslash (which some browsers read as a slash, making `/app/\\` another host).
  if (value === null || !/^[\x21-\x5b\x5d-\x7e]+$/.test(value)) return null;
  return value === '/app' || value.startsWith('/app/') || value.startsWith('/oauth/') ? value : null;
}
