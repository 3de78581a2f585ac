import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { countedInFlight } from './in-flight.js';
import type { AppDeps } from '../app-deps.js';
import type { AnyRoute, ApiRequest, PageRequest, RequestContext } from './define-route.js';
import { AppError, MESSAGES, type FieldErrors } from './errors.js';
import { cleanPhpQuery, parsePhpQuery, PhpMap, QueryStringEncodingError } from './query-string.js';
import { buildPaginator, DEFAULT_PER_PAGE, pageRequest, requestBaseUrl } from './pagination.js';
import { PAGE_FIELDS, readPageRequest } from './page-fields.js';
import { normalizeInput, throwIfInvalid, validateFields, fieldsJsonSchema, type RuleContext } from './validation.js';
import { apiChecks } from './api-pipeline.js';
import { requestScheme } from './request-info.js';
import { rolesText, scopeText } from './permission-matrix.js';

function rawQueryString(url: string): string {
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start + 1);
}

function readQuery(url: string): PhpMap {
  try {
    return cleanPhpQuery(parsePhpQuery(rawQueryString(url)));
  } catch (error) {
    if (error instanceof QueryStringEncodingError) throw new AppError('invalid_request', MESSAGES.queryNotUtf8);
    throw error;
  }
}

function queryInput(query: PhpMap): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of query.entries()) input[String(key)] = value;
  return input;
}

function describeAccess(route: AnyRoute): string {
  return `Permission: \`${route.permission}\` (${rolesText(route)}) · Scope: ${scopeText(route)}`;
}

function openApiSchema(route: AnyRoute): Record<string, unknown> {
  const queryFields = { ...(route.query ?? {}), ...(route.paginated ? PAGE_FIELDS : {}) };
  const querystring = route.query || route.paginated ? fieldsJsonSchema(queryFields) : undefined;
  return {
    summary: route.summary,
    description: [route.description, describeAccess(route)].filter(Boolean).join('\n\n'),
    tags: route.tags,
    ...(querystring ? { querystring } : {}),
    ...(route.body ? { body: fieldsJsonSchema(route.body) } : {}),
    ...(route.openApiHeaders ? { headers: { type: 'object', properties: route.openApiHeaders } } : {}),
    response: { [route.successStatus ?? 200]: route.responseSchema },
    ...(route.scopes.length === 0 ? {} : { security: [{ bearerAuth: [] }] }),
  };
}

/** The paginator's `meta.path` of this request (docs/pagination.md#metapath). */
function metaPath(request: FastifyRequest): string {
  return requestBaseUrl({
    hostHeader: request.headers.host,
    scheme: requestScheme(request),
    serverAddress: request.socket.localAddress
      ? { address: request.socket.localAddress, port: request.socket.localPort ?? 0, family: request.socket.localFamily }
      : undefined,
    path: request.url.split('?')[0]!,
  });
}

/**
 * Steps 7–9 of docs/request-checks.md#order-of-checks for one request, the pipeline (api-pipeline.ts) having checked steps 2–6: the query
 * transport check, the path resources (404), validation of query and body (422, all fields at once), the handler.
 */
async function runRoute(deps: AppDeps, route: AnyRoute, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const context = request.apiContext;
  // Fail closed: a handler whose checks did not run answers as if no token had been sent.
  if (context === undefined) throw new AppError('unauthorized', MESSAGES.unauthorized);
  const query = readQuery(request.url);
  request.phpQuery = query;
  let page: PageRequest = pageRequest(DEFAULT_PER_PAGE, 1);
  const base = {
    deps,
    // Token-less routes (permission 'none', no scopes) have no context and their handlers do not read it.
    context: context as RequestContext,
    get tenantId(): number {
      if (!context || context.tenantId === null) throw new Error(`${route.url} is not tenant-scoped.`);
      return context.tenantId;
    },
    params: request.params as Record<string, string>,
    raw: request,
    reply,
    get page() {
      return page;
    },
    paginate: <T>(data: T[], total: number) =>
      buildPaginator({ data, total, perPage: page.perPage, currentPage: page.currentPage, query, path: metaPath(request) }),
  };
  const loaded = route.load ? await route.load(base) : undefined;

  const errors: FieldErrors = {};
  const ruleContext: RuleContext = {
    get tenantId() {
      return base.tenantId;
    },
    db: deps.db,
    loaded,
    now: deps.clock.now(),
  };
  const input = queryInput(query);
  if (route.paginated) page = await readPageRequest(input, ruleContext, errors);
  const queryValues = route.query ? await validateFields(route.query, input, 'query', ruleContext, errors) : {};
  const bodyInput = normalizeInput(request.body ?? {}) as Record<string, unknown>;
  const bodyValues = route.body ? await validateFields(route.body, bodyInput, 'body', ruleContext, errors) : {};
  throwIfInvalid(errors);

  const apiRequest: ApiRequest<any, any, any> = Object.assign(Object.create(base), { loaded, query: queryValues, body: bodyValues });
  return route.handler(apiRequest);
}

/** Registers one API route; running handlers are counted so shutdown closes the database after the last one. */
export function mountRoute(app: FastifyInstance, deps: AppDeps, route: AnyRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    config: { definition: route },
    schema: openApiSchema(route),
    onRequest: apiChecks(deps, route),
    handler: (request, reply) => countedInFlight(deps.lifecycle, () => runRoute(deps, route, request, reply)),
  });
}
