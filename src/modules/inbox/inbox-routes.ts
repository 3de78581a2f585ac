import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { AppError, errorBody, MESSAGES } from '../../http/errors.js';
import { publicBaseUrl, requestScheme } from '../../http/request-info.js';
import { ensureSession } from '../oauth/server/pages/browser-session.js';
import { escapeHtml } from '../oauth/server/pages/html.js';
import { INBOX_DIST, loadInboxBuild, type InboxAsset } from './inbox-files.js';

/** docs/inbox.md#serving: no inline script or style; the API and signed file links are this origin (or PUBLIC_URL's). */
export function inboxCsp(extraOrigin: string | null): string {
  const extra = extraOrigin ? ` ${extraOrigin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: https:${extra}`,
    `media-src 'self' blob: https:${extra}`,
    `connect-src 'self'${extra}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inbox not built — Flextell</title></head>
<body><h1>The inbox has not been built.</h1><p>Run npm install (or npm run build:inbox).</p></body></html>
`;

function requestOrigin(request: FastifyRequest): string {
  return `${requestScheme(request)}://${request.headers.host ?? ''}`;
}

/** With PUBLIC_URL set, sign-in works on that origin only: another origin is sent there, same path and query. */
function wrongOrigin(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  if (!deps.config.publicUrl) return null;
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  if (requestOrigin(request) === publicOrigin) return null;
  return reply.code(302).header('Location', `${deps.config.publicUrl}${request.url}`).header('Cache-Control', 'no-store').send('');
}

async function sendShell(deps: AppDeps, dir: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const redirect = wrongOrigin(deps, request, reply);
  if (redirect) return redirect;
  reply.header('Cache-Control', 'no-store').header('X-Frame-Options', 'DENY').header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'same-origin').header('Content-Type', 'text/html; charset=utf-8');
  const build = loadInboxBuild(dir);
  if (!build) return reply.code(503).send(NOT_BUILT);
  // The session's CSRF token is for the sign-out form only (docs/inbox.md#tokens-and-signing-out).
  const session = await ensureSession(deps, request, reply);
  const publicOrigin = new URL(publicBaseUrl(request, deps.config)).origin;
  reply.header('Content-Security-Policy', inboxCsp(publicOrigin === requestOrigin(request) ? null : publicOrigin));
  const meta = `<meta name="flextell-csrf" content="${escapeHtml(session.csrfToken)}">`;
  return reply.code(200).send(build.shell.replace('</head>', `${meta}\n</head>`));
}

function acceptedEncoding(request: FastifyRequest): 'br' | 'gzip' | null {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepted)) return 'br';
  return /\bgzip\b/.test(accepted) ? 'gzip' : null;
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: InboxAsset): FastifyReply {
  reply
    .header('Content-Type', asset.type)
    .header('Cache-Control', 'public, max-age=31536000, immutable')
    .header('ETag', asset.etag)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Vary', 'Accept-Encoding');
  const known = String(request.headers['if-none-match'] ?? '')
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''));
  if (known.includes(asset.etag)) return reply.code(304).send();
  const encoding = acceptedEncoding(request);
  if (encoding) reply.header('Content-Encoding', encoding);
  return reply.code(200).send(encoding === 'br' ? asset.brotli : encoding === 'gzip' ? asset.gzip : asset.plain);
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .header('Cache-Control', 'no-store')
    .send(errorBody(new AppError('not_found', MESSAGES.routeNotFound)));
}

/**
 * The agent inbox at /app (docs/inbox.md#serving): the shell for every in-app path (the app routes itself), hashed
 * assets, and `/` sent to the inbox. Not under /api: no rate limit, no X-Tenant.
 */
export async function inboxRoutes(scope: FastifyInstance, deps: AppDeps, dir = INBOX_DIST): Promise<void> {
  if (!deps.config.inbox) return;
  scope.get('/', async (_request, reply) => reply.code(302).header('Location', '/app/').header('Cache-Control', 'no-store').send(''));
  scope.get('/app', (request, reply) => sendShell(deps, dir, request, reply));
  scope.get('/app/*', (request, reply) => sendShell(deps, dir, request, reply));
  scope.get('/app/assets/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const asset = loadInboxBuild(dir)?.assets.get(name);
    return asset ? sendAsset(request, reply, asset) : notFound(reply);
  });
  for (const url of ['/app', '/app/*']) {
    scope.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      handler: async (request, reply) => {
        reply.header('Allow', 'GET, HEAD');
        throw new AppError('method_not_allowed', `The ${request.method} method is not supported for this route. Supported methods: GET, HEAD.`);
      },
    });
  }
}

/** Logged once at start when the inbox is on but not built (docs/inbox.md#serving). */
export function inboxBuildWarning(deps: AppDeps, dir = INBOX_DIST): string | null {
  return deps.config.inbox && !loadInboxBuild(dir) ? 'The inbox has not been built (no dist/app/index.html): /app answers 503. Run npm run build:inbox.' : null;
}
