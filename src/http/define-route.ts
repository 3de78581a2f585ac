import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import type { Permission } from '../modules/roles/permissions.js';
import type { Scope } from '../modules/oauth/scopes.js';
import type { VerifiedToken, Principal } from '../modules/oauth/access-tokens.js';
import type { Fields, Values } from './validation.js';
import type { PhpMap } from './query-string.js';

/**
 * The route builder's contract: one object carries a route's whole contract. Authentication, tenant,
 * rate limit, scope and permission run from it before the handler (docs/request-checks.md#order-of-checks), so none can be forgotten.
 */
export type RoutePermission = Permission | 'member' | 'none';

export interface RequestContext {
  token: VerifiedToken;
  principal: Principal;
  /** null only on routes whose permission is 'none' (not tenant-scoped). */
  tenantId: number | null;
  permissions: ReadonlySet<Permission>;
}

export interface PageRequest {
  perPage: number;
  currentPage: number;
  /** Rows to skip; may exceed any real total, in which case the page is empty. */
  offset: number;
}

/** What a route's `load` step reads: the path and the request's tenant. */
export interface PathRequest {
  deps: AppDeps;
  /** The tenant of the request; throws on routes that are not tenant-scoped. */
  tenantId: number;
  params: Record<string, string>;
}

export interface ApiRequest<Q extends Fields, B extends Fields, L> {
  deps: AppDeps;
  context: RequestContext;
  /** The tenant of the request; throws on routes that are not tenant-scoped. */
  tenantId: number;
  params: Record<string, string>;
  query: Values<Q>;
  body: Values<B>;
  /** What `load` found for the path ids. */
  loaded: L;
  page: PageRequest;
  paginate<T>(data: T[], total: number): unknown;
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDefinition<Q extends Fields = Fields, B extends Fields = Fields, L = undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the API, Fastify syntax: `/api/v1/conversations/:id`. */
  url: string;
  permission: RoutePermission;
  /** Any one of these suffices; 'full-access' needs every scope (docs/request-checks.md#scopes). */
  scopes: readonly Scope[] | 'full-access';
  summary: string;
  description?: string;
  tags: string[];
  paginated?: boolean;
  query?: Q;
  body?: B;
  /** Path resources (step 8 of docs/request-checks.md#order-of-checks): runs before validation; throw 404 from here. */
  load?: (request: Omit<ApiRequest<Q, B, never>, 'query' | 'body' | 'loaded'>) => Promise<L>;
  /** Documented success status (handlers may still choose, e.g. 200 vs 201). */
  successStatus?: number;
  /**
   * The answer's schema at `successStatus`, built from the module's `*.resource.ts` (or `binaryResponse` for raw
   * bytes). It documents the answer in OpenAPI; test/api/response-schemas.test.ts checks real answers against it.
   */
  responseSchema: Record<string, unknown>;
  /** Request headers the route reads, documented in OpenAPI only (the route checks them itself, e.g. in `load`). */
  openApiHeaders?: Record<string, Record<string, unknown>>;
  handler: (request: ApiRequest<Q, B, L>) => Promise<unknown>;
}

export function defineRoute<Q extends Fields = Record<never, never>, B extends Fields = Record<never, never>, L = undefined>(
  definition: RouteDefinition<Q, B, L>,
): RouteDefinition<Q, B, L> {
  return definition;
}

export type AnyRoute = RouteDefinition<any, any, any>;

/** Signed file links and other token-less routes under /api/v1 declare scopes: [] and permission 'none'. */
export function isTokenlessRoute(route: AnyRoute): boolean {
  return route.permission === 'none' && Array.isArray(route.scopes) && route.scopes.length === 0;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the route's checks (api-pipeline.ts): null on token-less routes, undefined if they never ran. */
    apiContext?: RequestContext | null;
    phpQuery?: PhpMap;
  }
  interface FastifyContextConfig {
    definition?: AnyRoute;
  }
}
