import { SCOPES } from '../scopes.js';

/**
 * The authorization server in the OpenAPI document (tag "OAuth"). Its routes live outside /api with raw bodies and
 * OAuth error bodies, so they carry no Fastify schema (one would validate and re-serialise them); they are
 * described here and merged into the generated document instead.
 */
export const OAUTH_TAG = {
  name: 'OAuth',
  description: 'The OAuth 2.0 authorization server (oauth.md): token endpoints, discovery, and the HTML login, consent and applications pages.',
};

type Schema = Record<string, unknown>;

const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Schema => ({ type: 'integer', ...(description ? { description } : {}) });
const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});
const form = (properties: Record<string, Schema>, required: string[] = []) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: object(properties, required) } },
});
const json = (description: string, schema: Schema, headers?: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});
const html = (description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
  ...(headers ? { headers } : {}),
});
const redirect = (description: string) => ({ description, headers: { Location: { schema: { type: 'string' } } } });
const retryAfter = { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } };

const OAUTH_ERROR = object(
  {
    error: {
      type: 'string',
      enum: [
        'invalid_request',
        'invalid_client',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
        'rate_limit_exceeded',
        'server_error',
      ],
    },
    error_description: str(),
    message: str('The same text as error_description.'),
  },
  ['error', 'error_description', 'message'],
);

const oauthErrors = {
  400: json('invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type or invalid_scope.', OAUTH_ERROR),
  401: json('invalid_client (with `WWW-Authenticate: Basic realm="oauth"`).', OAUTH_ERROR),
  429: json('rate_limit_exceeded: /oauth/token, /oauth/revoke and /oauth/introspect share one counter per client IP.', OAUTH_ERROR, retryAfter),
};

const CLIENT_CREDENTIALS = {
  client_id: str('With client_secret_post or for a public client; with HTTP Basic, only if equal to the Basic user name.'),
  client_secret: str('client_secret_post (never together with HTTP Basic).'),
};

const TOKEN_RESPONSE = object(
  {
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: int('3600'),
    access_token: str('An RS256 JWT.'),
    refresh_token: str('authorization_code and refresh_token grants only; opaque, 30 days, single use.'),
    scope: str('Granted scopes, space-separated, in catalogue order.'),
  },
  ['token_type', 'expires_in', 'access_token', 'scope'],
);

const INTROSPECTION = object(
  {
    active: { type: 'boolean' },
    scope: str(),
    client_id: str(),
    username: str("Users' tokens only."),
    token_type: { type: 'string', enum: ['Bearer', 'refresh_token'] },
    exp: int(),
    iat: int(),
    nbf: int(),
    sub: str(),
    aud: str(),
    iss: str(),
    jti: str(),
    tenant: int('Tenant-bound tokens only.'),
  },
  ['active'],
);

const clientAuth = [{ oauthClientBasic: [] }, {}];
const session = [{ loginSession: [] }];
const csrf = { _csrf: str("The session's CSRF token from the page.") };
const pageErrors = {
  400: html('The form could not be read.'),
  403: html('CSRF token or Origin refused ("This form has expired. …"), or no permission in the organisation.'),
};
const tenantAndId = { tenant_id: int('The organisation.'), id: int('The application id.') };
const applicationFields = {
  name: str('At most 255 characters.'),
  redirect_uris: str('One URI per line (at most 10).'),
  scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] }, description: 'Repeated field.' },
};

function operation(summary: string, description: string, rest: Record<string, unknown>) {
  return { tags: [OAUTH_TAG.name], summary, description, ...rest };
}

export const OAUTH_PATHS: Record<string, Record<string, unknown>> = {
  '/oauth/authorize': {
    get: operation(
      'Start the authorization-code flow',
      'Shows the consent page to a signed-in user, else redirects to the login page (oauth.md §3). PKCE S256 is required for public clients.',
      {
        security: session,
        parameters: [
          ['response_type', true, 'code'],
          ['client_id', true, "The application's client_id."],
          ['redirect_uri', false, 'Exact match of a registered URI.'],
          ['scope', false, 'Space-separated; default: all the application may have.'],
          ['state', false, 'Returned unchanged.'],
          ['code_challenge', false, 'base64url SHA-256 of the verifier.'],
          ['code_challenge_method', false, 'S256 only.'],
        ].map(([name, required, description]) => ({ name, in: 'query', required, description, schema: { type: 'string' } })),
        responses: {
          200: html('The consent page.'),
          302: redirect('To /oauth/login?return_to=…, or to the redirect URI with error, error_description and state.'),
          400: html('Unknown client or unregistered redirect URI: not redirected.'),
        },
      },
    ),
    post: operation('Approve or deny', 'The consent form (oauth.md §4.2).', {
      security: session,
      requestBody: form({ ...csrf, request_id: str(), decision: { type: 'string', enum: ['approve', 'deny'] } }, ['_csrf', 'request_id', 'decision']),
      responses: { 302: redirect('To the redirect URI with code and state, or error=access_denied.'), ...pageErrors },
    }),
  },
  '/oauth/login': {
    get: operation('The login page', 'Sets the session cookie flextell_session; an anonymous visit stores nothing.', {
      parameters: [{ name: 'return_to', in: 'query', required: false, description: 'A relative /oauth/ path to continue with.', schema: { type: 'string' } }],
      responses: { 200: html('The login form.') },
    }),
    post: operation(
      'Log in',
      'argon2id; limits: FLEXTELL_LOGIN_RATE_LIMIT failures per 15 minutes per (email, IP), 5 × that per IP, 3 × that per account. A success sets the device cookie flextell_device: a browser holding it for the account is limited per (email, device) instead, and not per account.',
      {
        requestBody: form({ ...csrf, email: str(), password: str(), return_to: str() }, ['_csrf', 'email', 'password']),
        responses: {
          303: redirect('Signed in: to return_to, else /oauth/login. A new session id.'),
          401: html('These credentials do not match our records.'),
          429: html('Too many failed sign-in attempts.', retryAfter),
          ...pageErrors,
        },
      },
    ),
  },
  '/oauth/logout': {
    post: operation('Log out', 'Ends the login session.', {
      security: session,
      requestBody: form(csrf, ['_csrf']),
      responses: { 303: redirect('To /oauth/login.'), ...pageErrors },
    }),
  },
  '/oauth/token': {
    post: operation(
      'Token endpoint',
      'Grants authorization_code (+ PKCE), refresh_token (rotation; a reused token revokes its family) and client_credentials (confidential clients; a tenant-bound token). Answers carry Cache-Control: no-store.',
      {
        security: clientAuth,
        requestBody: form(
          {
            grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
            code: str('authorization_code'),
            redirect_uri: str('authorization_code'),
            code_verifier: str('authorization_code with PKCE'),
            refresh_token: str('refresh_token'),
            scope: str('refresh_token (narrowing) and client_credentials'),
            ...CLIENT_CREDENTIALS,
          },
          ['grant_type'],
        ),
        responses: { 200: json('The tokens.', TOKEN_RESPONSE), ...oauthErrors },
      },
    ),
  },
  '/oauth/revoke': {
    post: operation(
      'Revoke a token (RFC 7009)',
      "An access token, or a refresh token with its whole family. Unknown tokens and other clients' tokens also answer 200.",
      {
        security: clientAuth,
        requestBody: form({ token: str(), token_type_hint: str(), ...CLIENT_CREDENTIALS }, ['token']),
        responses: { 200: { description: 'Revoked (empty body).' }, ...oauthErrors },
      },
    ),
  },
  '/oauth/introspect': {
    post: operation('Introspect a token (RFC 7662)', 'Confidential clients only; other clients\' tokens answer {"active": false}.', {
      security: [{ oauthClientBasic: [] }, {}],
      requestBody: form({ token: str(), token_type_hint: str(), ...CLIENT_CREDENTIALS }, ['token']),
      responses: { 200: json("The token's state.", INTROSPECTION), ...oauthErrors },
    }),
  },
  '/oauth/applications': {
    get: operation('The Applications page', 'Lists the applications of every organisation where the user has applications.manage.', {
      security: session,
      responses: { 200: html('The page.'), 302: redirect('Not signed in: to the login page.') },
    }),
    post: operation('Register an application (page)', 'The rules and messages of POST /api/v1/applications; the secret is shown once.', {
      security: session,
      requestBody: form({ ...csrf, tenant_id: int(), ...applicationFields, confidential: { type: 'string', enum: ['1', '0'] } }, ['_csrf', 'tenant_id']),
      responses: { 201: html('Created; the secret is shown once.'), 422: html('The validation messages.'), ...pageErrors },
    }),
  },
  '/oauth/applications/edit': {
    get: operation('The edit page of an application', 'Name, redirect URIs, scopes, and the secret regeneration form.', {
      security: session,
      parameters: Object.keys(tenantAndId).map((name) => ({ name, in: 'query', required: true, schema: { type: 'integer' } })),
      responses: {
        200: html('The page.'),
        302: redirect('Not signed in.'),
        403: html('No permission in the organisation.'),
        404: html('Application not found.'),
      },
    }),
    post: operation('Edit an application (page)', 'The rules and messages of PUT /api/v1/applications/{id}.', {
      security: session,
      requestBody: form({ ...csrf, ...tenantAndId, ...applicationFields }, ['_csrf', 'tenant_id', 'id']),
      responses: { 303: redirect('Saved: to /oauth/applications.'), 404: html('Application not found.'), 422: html('The validation messages.'), ...pageErrors },
    }),
  },
  '/oauth/applications/secret': {
    post: operation('Regenerate a client secret (page)', 'Confidential applications; the new secret is shown once and the old one stops working.', {
      security: session,
      requestBody: form({ ...csrf, ...tenantAndId }, ['_csrf', 'tenant_id', 'id']),
      responses: {
        200: html('The new secret, shown once.'),
        404: html('Application not found.'),
        422: html('A public application has no client secret.'),
        ...pageErrors,
      },
    }),
  },
  '/oauth/applications/delete': {
    post: operation('Delete an application (page)', 'Revokes everything issued to it.', {
      security: session,
      requestBody: form({ ...csrf, ...tenantAndId }, ['_csrf', 'tenant_id', 'id']),
      responses: { 303: redirect('To /oauth/applications.'), 404: html('Application not found.'), ...pageErrors },
    }),
  },
  '/.well-known/oauth-authorization-server': {
    get: operation('Authorization server metadata (RFC 8414)', 'Absolute URLs from PUBLIC_URL, else the request origin.', {
      responses: { 200: json('The metadata.', object({ issuer: str(), authorization_endpoint: str(), token_endpoint: str(), jwks_uri: str() })) },
    }),
  },
  '/.well-known/jwks.json': {
    get: operation('Public signing keys', 'The active key first; a retired key stays while an unrevoked token it signed has not expired.', {
      responses: {
        200: json(
          'The JWKS.',
          object({
            keys: { type: 'array', items: object({ kty: str(), kid: str(), use: str(), alg: str(), n: str(), e: str() }) },
          }),
        ),
      },
    }),
  },
};

export const OAUTH_SECURITY_SCHEMES = {
  oauthClientBasic: { type: 'http', scheme: 'basic', description: 'client_secret_basic: client_id and client_secret, form-URL-encoded.' },
  loginSession: { type: 'apiKey', in: 'cookie', name: 'flextell_session', description: 'The login session of the HTML pages.' },
};

/** Adds the OAuth tag, paths and security schemes to the generated document. */
export function withOAuthDocumentation<T extends Record<string, any>>(document: T): T {
  const components = document.components ?? {};
  return {
    ...document,
    tags: [...(document.tags ?? []), OAUTH_TAG],
    paths: { ...(document.paths ?? {}), ...OAUTH_PATHS },
    components: { ...components, securitySchemes: { ...(components.securitySchemes ?? {}), ...OAUTH_SECURITY_SCHEMES } },
  };
}
