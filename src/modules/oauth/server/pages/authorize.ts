import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { sha256Hex } from '../../../../platform/crypto.js';
import { SCOPE_DESCRIPTIONS } from '../../scopes.js';
import type { Scope } from '../../scopes.js';
import { findClient, type OAuthClient } from '../clients.js';
import { builtInClient, INBOX_CLIENT_ID } from '../inbox-client.js';
import { OAuthError } from '../oauth-error.js';
import { strictFormParams } from '../form.js';
import { PKCE_VALUE } from '../pkce.js';
import { redirectOrigin, redirectUriMatches, withParams } from '../redirect-uris.js';
import { grantScopes, parseScopeParam } from '../scope-param.js';
import { userCanLogIn } from '../token-issuer.js';
import { findUserEmail } from '../../../users/user.repository.js';
import { listMemberTenantNames } from '../../../tenants/tenant.finder.js';
import { claimAuthorizationRequest, findPendingRequest, insertAuthorizationCode, insertAuthorizationRequest } from '../grant.repository.js';
import { checkCsrf, loadSession, type BrowserSession } from './browser-session.js';
import { PAGE_MESSAGES, escapeHtml, hidden, sendMessagePage, sendPage } from './html.js';

const PENDING_MS = 10 * 60 * 1000;
const CODE_MS = 10 * 60 * 1000;

interface ValidRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: Scope[];
  state: string | null;
  challenge: string | null;
}

function queryParams(request: FastifyRequest): { params: Map<string, string>; repeated: Set<string> } {
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  const params = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of strictFormParams(query)) {
    if (params.has(name)) repeated.add(name);
    else params.set(name, value);
  }
  return { params, repeated };
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? null : value);

/** An error of the client checks (docs/oauth.md#authorization-endpoint): answered by a redirect to the client, never a page. */
class RedirectError {
  constructor(
    readonly error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope',
    readonly description: string,
  ) {}
}

function requestedScopes(params: Map<string, string>, client: OAuthClient): Scope[] {
  try {
    const scopes = grantScopes(parseScopeParam(nonEmpty(params.get('scope'))), client.scopes);
    if (scopes.length > 0) return scopes;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
  }
  throw new RedirectError('invalid_scope', 'The requested scope is invalid, unknown, or not allowed for this application.');
}

/** docs/oauth.md#authorization-endpoint: every check that answers with a redirect to the client. */
function validateRedirected(params: Map<string, string>, repeated: Set<string>, client: OAuthClient, redirectUri: string): ValidRequest {
  if (repeated.size > 0) throw new RedirectError('invalid_request', `The ${[...repeated][0]} parameter was sent more than once.`);
  const responseType = nonEmpty(params.get('response_type'));
  if (responseType === null) throw new RedirectError('invalid_request', 'The request is missing the response_type parameter.');
  if (responseType !== 'code') throw new RedirectError('unsupported_response_type', 'The response type must be code.');
  const challenge = nonEmpty(params.get('code_challenge'));
  const method = nonEmpty(params.get('code_challenge_method'));
  if (method !== null && challenge === null) throw new RedirectError('invalid_request', 'The code_challenge_method was sent without a code_challenge.');
  if (method !== null && method !== 'S256') throw new RedirectError('invalid_request', 'The code_challenge_method must be S256.');
  if (challenge !== null && !PKCE_VALUE.test(challenge)) throw new RedirectError('invalid_request', 'The code_challenge is malformed.');
  if (challenge === null && !client.confidential) throw new RedirectError('invalid_request', 'A code_challenge (PKCE, S256) is required for this client.');
  const scopes = requestedScopes(params, client);
  return { client, redirectUri, scopes, state: params.get('state') ?? null, challenge };
}

function redirectTo(reply: FastifyReply, uri: string): FastifyReply {
  return reply.code(302).header('Location', uri).header('Cache-Control', 'no-store').send('');
}

/** GET /oauth/authorize (docs/oauth.md#authorization-endpoint). */
export async function showAuthorize(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, repeated } = queryParams(request);
  const clientId = nonEmpty(params.get('client_id'));
  const client =
    clientId !== null && !repeated.has('client_id') ? (builtInClient(clientId, request, deps.config) ?? (await findClient(deps.db, clientId))) : null;
  if (!client) return sendMessagePage(reply, 400, PAGE_MESSAGES.unknownClient);
  const redirectUri = nonEmpty(params.get('redirect_uri'));
  if (redirectUri === null || repeated.has('redirect_uri') || !redirectUriMatches(client.redirectUris, redirectUri)) {
    return sendMessagePage(reply, 400, PAGE_MESSAGES.unknownRedirect);
  }
  let valid: ValidRequest;
  try {
    valid = validateRedirected(params, repeated, client, redirectUri);
  } catch (error) {
    if (!(error instanceof RedirectError)) throw error;
    return redirectTo(reply, withParams(redirectUri, { error: error.error, error_description: error.description, state: params.get('state') ?? null }));
  }

  const session = await loadSession(deps, request);
  if (!session || session.userId === null || !(await userCanLogIn(deps, session.userId))) {
    return redirectTo(reply, `/oauth/login?return_to=${encodeURIComponent(request.url)}`);
  }
  // The inbox is first-party: no consent page, the code at once, as an Allow would answer.
  if (client.clientId === INBOX_CLIENT_ID) return redirectTo(reply, await issueCode(deps, session.userId, valid));
  const requestId = crypto.randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  await insertAuthorizationRequest(
    deps.db,
    {
      idHash: sha256Hex(requestId),
      sessionIdHash: session.idHash,
      clientId: client.clientId,
      redirectUri: valid.redirectUri,
      scopes: valid.scopes.join(' '),
      state: valid.state,
      codeChallenge: valid.challenge,
      expiresAt: new Date(now.getTime() + PENDING_MS),
    },
    now,
  );
  return renderConsent(deps, reply, session, valid, requestId);
}

async function renderConsent(deps: AppDeps, reply: FastifyReply, session: BrowserSession, valid: ValidRequest, requestId: string): Promise<FastifyReply> {
  const email = await findUserEmail(deps.db, session.userId!);
  const tenantNames = await listMemberTenantNames(deps.db, session.userId!);
  const host = redirectOrigin(valid.redirectUri) ?? valid.redirectUri;
  const name = escapeHtml(valid.client.name);
  const body = `<h1>${name} wants to access your Flextell account</h1>
<p class="small">Signed in as <strong>${escapeHtml(email ?? '')}</strong></p>
<form class="inline" method="post" action="/oauth/logout">${hidden('_csrf', session.csrfToken)}<button type="submit" class="secondary">Sign out</button></form>
<p>${name} will be able to:</p>
<ul>${valid.scopes.map((scope) => `<li><strong>${escapeHtml(scope)}</strong>: ${escapeHtml(SCOPE_DESCRIPTIONS[scope])}</li>`).join('')}</ul>
<p>in these organisations: ${tenantNames.map((tenant) => `<strong>${escapeHtml(tenant)}</strong>`).join(', ')}</p>
<p class="small">After your decision you will return to <strong>${escapeHtml(host)}</strong>.</p>
<form method="post" action="/oauth/authorize">
${hidden('_csrf', session.csrfToken)}${hidden('request_id', requestId)}
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`;
  return sendPage(reply, 200, `Authorize ${valid.client.name} — Flextell`, body, redirectOrigin(valid.redirectUri));
}

/** POST /oauth/authorize: the user's decision (docs/oauth.md#login-and-consent-pages). */
export async function submitDecision(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  if (session.userId === null) return redirectTo(reply, '/oauth/login');
  const requestId = form.get('request_id') ?? '';
  const now = deps.clock.now();
  const pending = await findPendingRequest(deps.db, sha256Hex(requestId), session.idHash, now);
  if (!pending) return sendMessagePage(reply, 400, PAGE_MESSAGES.expiredRequest);
  const decision = form.get('decision');
  if (decision !== 'approve' && decision !== 'deny') return sendMessagePage(reply, 400, PAGE_MESSAGES.badDecision);
  const claimed = await claimAuthorizationRequest(deps.db, sha256Hex(requestId), now);
  if (!claimed || !(await findClient(deps.db, pending.client_id))) return sendMessagePage(reply, 400, PAGE_MESSAGES.expiredRequest);

  if (decision === 'deny') {
    return redirectTo(
      reply,
      withParams(pending.redirect_uri, { error: 'access_denied', error_description: 'The user denied the request.', state: pending.state }),
    );
  }
  const uri = await issueCode(deps, session.userId, {
    clientId: pending.client_id,
    redirectUri: pending.redirect_uri,
    scopes: pending.scopes,
    challenge: pending.code_challenge,
    state: pending.state,
  });
  return redirectTo(reply, uri);
}

/** Stores a new authorization code of the user's approved request; answers the redirect URI that carries it. */
async function issueCode(
  deps: AppDeps,
  userId: number,
  grant: { clientId: string; redirectUri: string; scopes: string; challenge: string | null; state: string | null } | ValidRequest,
): Promise<string> {
  const fields =
    'client' in grant
      ? { clientId: grant.client.clientId, redirectUri: grant.redirectUri, scopes: grant.scopes.join(' '), challenge: grant.challenge, state: grant.state }
      : grant;
  const code = crypto.randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  await insertAuthorizationCode(
    deps.db,
    {
      codeHash: sha256Hex(code),
      userId,
      clientId: fields.clientId,
      redirectUri: fields.redirectUri,
      scopes: fields.scopes,
      codeChallenge: fields.challenge,
      expiresAt: new Date(now.getTime() + CODE_MS),
    },
    now,
  );
  return withParams(fields.redirectUri, { code, state: fields.state });
}
