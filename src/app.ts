import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cors from '@fastify/cors';
import type { AppDeps } from './app-deps.js';
import { AppError, errorBody, MESSAGES } from './http/errors.js';
import { installBodyParsers, JSON_BODY_LIMIT } from './http/body-parsers.js';
import { sendApiError, sendFrameworkError } from './http/error-replies.js';
import { installUnroutedApiCounting, isApiPath, API_PREFIX } from './http/api-pipeline.js';
import { mountRoute } from './http/mount-route.js';
import { fastifyTrustProxy } from './http/request-info.js';
import { capConnections, closeUnusedConnectionsAtClose, serverTimeoutOptions } from './http/server-limits.js';
import { installMultipart, isMultipartRoute } from './http/multipart.js';
import { RouteMethods } from './http/method-not-allowed.js';
import { pingDatabase } from './platform/db/db.js';
import { migrationsPending } from './platform/db/migrate.js';
import { apiRoutes } from './routes.js';
import { permissionMatrixMarkdown } from './http/permission-matrix.js';
import { oauthServer } from './modules/oauth/server/oauth-plugin.js';
import { withOAuthDocumentation } from './modules/oauth/server/openapi.js';
import { isTokenEndpoint, noStore } from './modules/oauth/server/token-endpoints.js';
import { providerWebhooks } from './modules/inbound/webhooks/webhook-plugin.js';
import { isWidgetPath, widgetApi } from './modules/widget/widget-plugin.js';
import { WidgetStreams } from './modules/widget/widget-streams.js';
import { widgetScriptRoutes } from './modules/widget/client/widget-script.routes.js';
import { inboxRoutes } from './modules/inbox/inbox-routes.js';
import { EventStreamHub } from './modules/events/event-stream-hub.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  /** A pino logger; tests run without one. */
  logger?: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The widget's open event streams in this process (tests ping them instead of waiting 25 s). */
    widgetStreams: WidgetStreams;
    /** The API's event streams in this process (GET /api/v1/events; tests call its heartbeat and access checks). */
    eventStreams: EventStreamHub;
  }
}

export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: false,
    genReqId: (request) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    },
    // One access line per request is written by the onResponse hook below, without query strings.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    return503OnClosing: false,
    ...serverTimeoutOptions(deps.config.http),
    frameworkErrors: sendFrameworkError,
  });
  capConnections(app, deps.config.http);
  closeUnusedConnectionsAtClose(app);

  // Route schemas only document the API; validation happens in the route builder with Laravel's messages.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const routeMethods = new RouteMethods();
  routeMethods.watch(app);
  installBodyParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    // Judged as routed (matched pattern, or the decoded path), not by the raw spelling of the URL.
    if ((request.routeOptions.url ?? '').startsWith('/api/') || (request.is404 && isApiPath(request.url))) {
      reply.header('Cache-Control', 'no-store');
      reply.header('X-Content-Type-Options', 'nosniff');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const level = request.url === '/health' ? 'debug' : 'info';
    request.log[level]({ method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler(sendApiError);

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routeMethods.allowedMethods(path);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      // The JSON 405 of docs/request-checks.md#paths-and-path-ids also for the token endpoints, with the no-store every answer of theirs has (docs/oauth.md#endpoints).
      if (isTokenEndpoint(path)) noStore(reply);
      throw new AppError('method_not_allowed', `The ${request.method} method is not supported for this route. Supported methods: ${allowed.join(', ')}.`);
    }
    return reply.code(404).send(errorBody(new AppError('not_found', MESSAGES.routeNotFound)));
  });

  if (deps.config.corsOrigins.length > 0) {
    // docs/request-checks.md#response-headers: browsers may call /api/* from the configured origins only.
    const apiCors = {
      origin: deps.config.corsOrigins,
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Tenant', 'X-Request-Id', 'Idempotency-Key', 'Last-Event-ID'],
      exposedHeaders: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    };
    await app.register(cors, {
      hideOptionsRoute: true,
      // The widget API answers CORS per channel itself (docs/channels.md#cors): this one stays out of its way.
      delegator: (request, callback) => callback(null, isWidgetPath(request.url) ? { origin: false } : apiCors),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Flextell-compatible API', version: '1.0.0', description: `Public API v1 and its extensions.\n\n${permissionMatrixMarkdown(apiRoutes)}` },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    hideUntagged: true,
    // The authorization server's routes carry no schema (raw bodies, OAuth errors): they are described separately.
    transformObject: (document) => ('openapiObject' in document ? withOAuthDocumentation(document.openapiObject) : document.swaggerObject),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
    // The docs page runs authenticated calls from the browser: no other site may frame it (clickjacking).
    uiHooks: {
      onRequest: async (_request, reply) => {
        reply.header('Content-Security-Policy', "frame-ancestors 'none'").header('X-Frame-Options', 'DENY');
      },
    },
  });

  installUnroutedApiCounting(app, deps);
  // Event streams end at shutdown with a random `retry:` and `closing` (docs/events.md#shutdown), before the server closes.
  const eventStreams = new EventStreamHub(deps, { warn: (message) => app.log.warn(message) });
  app.decorate('eventStreams', eventStreams);
  app.addHook('preClose', async () => eventStreams.close());
  for (const route of apiRoutes) if (!isMultipartRoute(route)) mountRoute(app, deps, route);
  // Multipart parsing lives in its own scope so every other route keeps the JSON body rules.
  await app.register(async (scope) => {
    await installMultipart(scope);
    for (const route of apiRoutes) if (isMultipartRoute(route)) mountRoute(scope, deps, route);
  });

  // OAuth endpoints and pages (docs/oauth.md#endpoints) live outside /api with their own body parsing and error bodies.
  await app.register(async (scope) => oauthServer(scope, deps));
  // Provider webhooks (docs/channels.md#inbound-webhooks): raw signed bodies, each provider's own authentication.
  await app.register(async (scope) => providerWebhooks(scope, deps));
  // The website widget's public API (docs/channels.md#website-widget): visitor tokens, per-channel CORS, event streams.
  const widgetStreams = new WidgetStreams(deps);
  app.decorate('widgetStreams', widgetStreams);
  await app.register(async (scope) => widgetApi(scope, deps, widgetStreams));
  // The widget script and its demo page (docs/widget-client.md): public, any origin may load the script.
  await app.register(async (scope) => widgetScriptRoutes(scope, deps));
  // The agent inbox web application (docs/inbox.md): its shell and assets at /app, and `/` leading there.
  await app.register(async (scope) => inboxRoutes(scope, deps));

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  let migrationsConfirmed = false;
  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const unavailable = (message: string) => reply.code(503).send({ error: 'service_unavailable', message });
    if (deps.lifecycle.shuttingDown) return unavailable('The server is shutting down.');
    try {
      await pingDatabase(deps.db);
      if (!migrationsConfirmed) migrationsConfirmed = !(await migrationsPending(deps.db));
    } catch {
      return unavailable('The database is unreachable.');
    }
    if (!migrationsConfirmed) return unavailable('Database migrations are pending.');
    return { status: 'ok' };
  });
  return app;
}

export { API_PREFIX };
