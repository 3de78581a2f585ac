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
import { runIdempotent, type ReadBody, type RunPhase } from './idempotent-route.js';
import { multipartLimits } from './multipart.js';

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

/** Every POST takes an Idempotency-Key (docs/idempotency.md); documented only, the key is read by idempotent-route.ts. */
const IDEMPOTENCY_HEADER_SCHEMA = {
  type: 'object',
  properties: {
    'Idempotency-Key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'Optional; a UUID v4 per logical operation. Repeating the request with the same key within 24 hours answers the first answer again, ' +
        'byte for byte, with `Idempotent-Replayed: true`, instead of running it twice. 409 `idempotency_key_in_use` (Retry-After: 1) while ' +
        'the first is still running; 422 `idempotency_key_reused` for a different request with the key; 400 for a key that is not 1–255 ' +
        'printable ASCII characters (an RFC 8941 quoted string is read as its content).',
    },
  },
};

/** The request headers a route documents: Idempotency-Key on every POST, and the route's own (Last-Event-ID). */
function openApiHeaders(route: AnyRoute): Record<string, unknown> {
  const properties = { ...(route.method === 'POST' ? IDEMPOTENCY_HEADER_SCHEMA.properties : {}), ...route.openApiHeaders };
  return Object.keys(properties).length === 0 ? {} : { headers: { type: 'object', properties } };
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
    ...openApiHeaders(route),
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
 * Steps 8–10 of docs/request-checks.md#order-of-checks for one request, the pipeline (api-pipeline.ts) having checked steps 2–6 and
 * `handle` steps 7–7a: the path resources (404), validation of query and body (422, all fields at once), the handler.
 */
async function runRoute(deps: AppDeps, route: AnyRoute, request: FastifyRequest, reply: FastifyReply, query: PhpMap, phase: RunPhase): Promise<unknown> {
  const context = request.apiContext;
  // Fail closed: a handler whose checks did not run answers as if no token had been sent.
  if (context === undefined) throw new AppError('unauthorized', MESSAGES.unauthorized);
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
  phase.executing = true;
  return route.handler(apiRequest);
}

/** Steps 7 (the query's transport), 7a (Idempotency-Key, POST only) and 8–10 of docs/request-checks.md#order-of-checks. */
async function handle(deps: AppDeps, route: AnyRoute, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  if (request.apiContext === undefined) throw new AppError('unauthorized', MESSAGES.unauthorized);
  const query = readQuery(request.url);
  request.phpQuery = query;
  const run = (runDeps: AppDeps, phase: RunPhase) => runRoute(runDeps, route, request, reply, query, phase);
  if (route.method !== 'POST') return run(deps, { executing: false });
  return runIdempotent(deps, request, reply, bodyReader(deps, route, request), run);
}

/** Step 7's body for the request fingerprint: a JSON body is parsed already; a multipart body is read ahead. */
function bodyReader(deps: AppDeps, route: AnyRoute, request: FastifyRequest): ReadBody {
  const multipart = multipartLimits(route);
  if (!multipart) return async () => ({ kind: 'json' });
  return async (tenantId) => {
    const { digests, discard } = await multipart.readAhead(request, deps, tenantId);
    return { kind: 'multipart', parts: digests, discard };
  };
}

/** Registers one API route; running handlers are counted so shutdown closes the database after the last one. */
export function mountRoute(app: FastifyInstance, deps: AppDeps, route: AnyRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    config: { definition: route },
    schema: openApiSchema(route),
    onRequest: apiChecks(deps, route),
    handler: (request, reply) => countedInFlight(deps.lifecycle, () => handle(deps, route, request, reply)),
  });
}
