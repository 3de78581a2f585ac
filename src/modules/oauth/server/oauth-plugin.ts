import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { JSON_BODY_LIMIT } from '../../../http/body-parsers.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { SCOPES } from '../scopes.js';
import { KEY_RELOAD_MS } from '../access-tokens.js';
import { OAuthError } from './oauth-error.js';
import type { RawBody } from './form.js';
import { registerTokenEndpoints } from './token-endpoints.js';
import { registerPages } from './pages/page-routes.js';
import { sendMessagePage } from './pages/html.js';

// Replacing invalid bytes with U+FFFD would store text nobody sent; they are refused instead.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The HTML pages answer failures with a page, the JSON endpoints with an OAuth error body. */
function isPage(url: string): boolean {
  return /^\/oauth\/(login|logout|authorize|applications)(\?|\/|$)/.test(url);
}

function metadata(base: string) {
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    introspection_endpoint: `${base}/oauth/introspect`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...SCOPES],
    service_documentation: `${base}/docs`,
    ui_locales_supported: ['en'],
  };
}

/** Whether a path belongs to the authorization server (docs/oauth.md#endpoints), whose failures never use the API envelope. */
export function isOAuthPath(path: string): boolean {
  return path.startsWith('/oauth/') || path.startsWith('/.well-known/');
}

/**
 * A failure under /oauth: a page for the HTML pages, an OAuth error body for the JSON endpoints. Also used for
 * the framework's own refusals there (a malformed path), so a 4xx never becomes a 500.
 */
export function sendOAuthFailure(error: FastifyError | OAuthError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const clientStatus = 'statusCode' in error && error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : null;
  if (isPage(request.url)) {
    const status = error instanceof OAuthError ? error.status : (clientStatus ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'oauth page failed');
    return sendMessagePage(reply, status, status >= 500 ? 'Something went wrong on our side. Please try again.' : 'The request could not be read.');
  }
  const oauthError =
    error instanceof OAuthError
      ? error
      : clientStatus === 413
        ? new OAuthError('invalid_request', 'The request body is too large.')
        : clientStatus !== null
          ? new OAuthError('invalid_request', 'The request could not be read.')
          : new OAuthError('server_error', 'An unexpected error occurred.');
  if (oauthError.status >= 500) request.log.error({ err: error }, 'oauth endpoint failed');
  for (const [name, value] of Object.entries(oauthError.headers)) reply.header(name, value);
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  return reply.code(oauthError.status).send(oauthError.toBody());
}

/**
 * The authorization server outside /api (docs/oauth.md#endpoints), in its own scope: bodies stay raw text so each endpoint
 * judges the content type itself, and errors use OAuth's body instead of the API envelope.
 */
export async function oauthServer(scope: FastifyInstance, deps: AppDeps): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (request, bytes, done) => {
    try {
      const body: RawBody = { contentType: request.headers['content-type'], text: strictUtf8.decode(bytes as Buffer) };
      done(null, body);
    } catch {
      done(new OAuthError('invalid_request', 'The request is not valid UTF-8.'), undefined);
    }
  });
  scope.setErrorHandler((error: FastifyError | OAuthError, request, reply) => sendOAuthFailure(error, request, reply));

  registerTokenEndpoints(scope, deps);
  registerPages(scope, deps);

  scope.get('/.well-known/oauth-authorization-server', async (request, reply) => {
    if (deps.config.publicUrl) {
      reply.header('Cache-Control', 'public, max-age=300');
    } else {
      // Built from the request's Host (and scheme): a shared cache must not hand one client's URLs to another.
      reply.header('Cache-Control', 'private, max-age=300').header('Vary', deps.config.trustProxy ? 'Host, X-Forwarded-Proto' : 'Host');
    }
    return metadata(publicBaseUrl(request, deps.config));
  });
  scope.get('/.well-known/jwks.json', async (_request, reply) => {
    // Another process may have rotated the key; the JWKS must show it (looked up at most every few seconds).
    await deps.tokens.refreshKeys(KEY_RELOAD_MS);
    reply.header('Cache-Control', 'public, max-age=300');
    return { keys: deps.tokens.publicJwks() };
  });
}
