import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { AppError, MESSAGES } from './errors.js';
import { authenticate } from './auth.js';
import { rawTenantHeader, resolveTenant, type TenantAccess } from './tenant.js';
import type { VerifiedToken } from '../modules/oauth/access-tokens.js';
import { isTokenlessRoute, type AnyRoute, type ApiRequest, type RequestContext } from './define-route.js';
import { SCOPES } from '../modules/oauth/scopes.js';
import { clientIp } from './request-info.js';
import { tooManyRequests, type RateLimitDecision } from './rate-limit.js';

export const API_PREFIX = '/api/v1';

function insufficientScope(route: AnyRoute, context: RequestContext): AppError {
  const needed = route.scopes === 'full-access' ? [...SCOPES] : [...route.scopes];
  // Full access needs every scope: name the ones missing (docs/request-checks.md#scopes); elsewhere any one of the route's will do.
  const text = route.scopes === 'full-access' ? needed.filter((scope) => !context.token.scopes.has(scope)).join(' and ') : needed.join(' or ');
  return new AppError('insufficient_scope', `The access token does not have the required scope: ${text}.`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${needed.join(' ')}"` },
  });
}

function hasScope(route: AnyRoute, context: RequestContext): boolean {
  if (route.scopes === 'full-access') return SCOPES.every((scope) => context.token.scopes.has(scope));
  return route.scopes.some((scope) => context.token.scopes.has(scope));
}

interface Counted {
  token: VerifiedToken | AppError | null;
  access: TenantAccess | AppError | null;
  decision: RateLimitDecision;
}

/**
 * Steps 2–4 of docs/request-checks.md#order-of-checks as far as the rate limiter needs them: the token, the tenant, and the counted hit. The key
 * is (jti, resolved tenant); a failed tenant check counts in the token's own tenant-less bucket, so junk X-Tenant
 * values cannot mint counters without end. Requests without a valid token are keyed by client IP.
 */
async function countRequest(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, route: AnyRoute | undefined): Promise<Counted> {
  // Token-less routes (signed file links) are keyed by client IP whatever Authorization says (docs/domain-rules.md#files-and-media).
  const unauthenticated = route !== undefined && isTokenlessRoute(route);
  const token = unauthenticated || (request.headers.authorization === undefined && !route) ? null : await authenticate(request, deps.tokens);
  let access: TenantAccess | AppError | null = null;
  if (token && !(token instanceof AppError) && route?.permission !== 'none') {
    access = await resolveTenant(deps.db, deps.access, token, rawTenantHeader(request.headers['x-tenant']));
  }
  const key =
    token && !(token instanceof AppError) ? `${token.jti}:${access && !(access instanceof AppError) ? access.tenantId : ''}` : `ip:${clientIp(request)}`;
  const decision = await deps.limiter.hit(key);
  reply.header('X-RateLimit-Limit', String(decision.limit));
  reply.header('X-RateLimit-Remaining', String(decision.remaining));
  reply.header('X-RateLimit-Reset', String(decision.resetAtSeconds));
  return { token, access, decision };
}

/**
 * Steps 2–6 of docs/request-checks.md#order-of-checks for one route, before the body is read: authentication, tenant, rate limit, scope,
 * permission. mountRoute attaches this to the route itself, so however its path is spelled (percent-encoded
 * letters, doubled slashes) the route cannot be reached without these checks.
 */
export function apiChecks(deps: AppDeps, route: AnyRoute): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const { token, access, decision } = await countRequest(deps, request, reply, route);
    if (isTokenlessRoute(route)) {
      if (decision.exceeded) throw tooManyRequests(decision);
      request.apiContext = null;
      return;
    }
    if (!token) throw new AppError('unauthorized', MESSAGES.unauthorized);
    if (token instanceof AppError) throw token;
    if (access instanceof AppError) throw access;
    if (decision.exceeded) throw tooManyRequests(decision);
    const context: RequestContext = {
      token,
      principal: token.principal,
      tenantId: access?.tenantId ?? null,
      permissions: access?.permissions ?? new Set(),
    };
    if (!hasScope(route, context)) throw insufficientScope(route, context);
    if (route.permission !== 'none' && route.permission !== 'member' && !context.permissions.has(route.permission)) {
      throw new AppError('forbidden', MESSAGES.forbidden);
    }
    request.apiContext = context;
  };
}

/**
 * Unrouted requests under /api/v1 (404, 405) are counted by the limiter too, never refused by it (docs/request-checks.md#rate-limiting).
 * Whether a request is unrouted comes from the router; the path is compared as routed, percent-decoded.
 */
export function installUnroutedApiCounting(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404 && isApiPath(request.url)) await countRequest(deps, request, reply, undefined);
  });
}

/** Whether a raw request URL is under /api/v1 once percent-decoded (how the router reads it). */
export function isApiPath(url: string): boolean {
  const raw = url.split('?')[0]!;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return false;
  }
  return path === API_PREFIX || path.startsWith(API_PREFIX + '/');
}

export type { ApiRequest };
