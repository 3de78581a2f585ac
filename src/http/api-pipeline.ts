import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { AppError, MESSAGES } from './errors.js';
import { authenticate } from './auth.js';
import { rawTenantHeader, resolveTenant, type TenantAccess } from './tenant.js';
import type { AnyRoute, ApiRequest, PageRequest, RequestContext } from './define-route.js';
import { SCOPES } from '../modules/oauth/scopes.js';
import { clientIp } from './request-info.js';
import { pageOffset } from './pagination.js';
import type { RateLimitDecision } from './rate-limit.js';

export const API_PREFIX = '/api/v1';

function insufficientScope(route: AnyRoute, context: RequestContext): AppError {
  const needed = route.scopes === 'full-access' ? [...SCOPES] : [...route.scopes];
  // Full access needs every scope: name the ones missing (oauth.md §13.10); elsewhere any one of the route's will do.
  const text = route.scopes === 'full-access'
    ? needed.filter((scope) => !context.token.scopes.has(scope)).join(' and ')
    : needed.join(' or ');
  return new AppError('insufficient_scope', `The access token does not have the required scope: ${text}.`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${needed.join(' ')}"` },
  });
}

function hasScope(route: AnyRoute, context: RequestContext): boolean {
  if (route.scopes === 'full-access') return SCOPES.every((scope) => context.token.scopes.has(scope));
  return route.scopes.some((scope) => context.token.scopes.has(scope));
}

/**
 * Steps 2–6 of api.md §3 for every /api/v1 request, before the body is read: authentication, tenant,
 * rate limit, scope, permission. Unrouted requests (404/405) are counted by the limiter too, never refused by it.
 */
export function installApiPipeline(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith(API_PREFIX + '/') && request.url !== API_PREFIX) return;
    const route = request.routeOptions.config?.definition;
    // Token-less routes (signed file links) are keyed by client IP whatever Authorization says (api-conversations.md §3.6).
    const unauthenticated = route !== undefined && isUnauthenticatedRoute(route);

    const header = rawTenantHeader(request.headers['x-tenant']);
    const token = unauthenticated || (request.headers.authorization === undefined && !route) ? null : await authenticate(request, deps.tokens);
    let access: TenantAccess | AppError | null = null;
    if (token && !(token instanceof AppError) && route?.permission !== 'none') {
      access = await resolveTenant(deps.db, deps.access, token, header);
    }

    // Routes outside any tenant ignore X-Tenant, so it must not split their counter either.
    const key =
      token && !(token instanceof AppError)
        ? `${token.jti}:${access && !(access instanceof AppError) ? access.tenantId : route?.permission === 'none' ? '' : (header ?? '')}`
        : `ip:${clientIp(request)}`;
    const decision = await deps.limiter.hit(key);
    reply.header('X-RateLimit-Limit', String(decision.limit));
    reply.header('X-RateLimit-Remaining', String(decision.remaining));
    reply.header('X-RateLimit-Reset', String(decision.resetAtSeconds));

    if (!route) return; // the not-found handler answers 404 or 405
    if (unauthenticated) {
      if (decision.exceeded) throw tooManyRequests(decision);
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
  });
}

function tooManyRequests(decision: RateLimitDecision): AppError {
  return new AppError('rate_limit_exceeded', `Too many requests. Retry after ${decision.retryAfterSeconds} seconds.`, {
    headers: { 'Retry-After': String(decision.retryAfterSeconds) },
  });
}

/** Signed file links and other token-less routes under /api/v1 declare scopes: [] and permission 'none'. */
function isUnauthenticatedRoute(route: AnyRoute): boolean {
  return route.permission === 'none' && Array.isArray(route.scopes) && route.scopes.length === 0;
}

const MAX_SAFE_ID = BigInt(Number.MAX_SAFE_INTEGER);

/** api.md §1: path ids are positive decimal integers; anything else is simply not found. */
export function parsePathId(text: string | undefined): number | null {
  if (text === undefined || !/^[0-9]{1,19}$/.test(text)) return null;
  const value = BigInt(text);
  if (value < 1n || value > MAX_SAFE_ID) return null;
  return Number(value);
}

export function pageRequest(perPage: number, currentPage: number): PageRequest {
  return { perPage, currentPage, offset: pageOffset(currentPage, perPage) };
}

export type { ApiRequest };
