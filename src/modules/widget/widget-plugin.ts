import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { AppError, errorBody, MESSAGES } from '../../http/errors.js';
import { countRoutesInFlight } from '../../http/in-flight.js';
import { cleanPhpQuery, parsePhpQuery, QueryStringEncodingError } from '../../http/query-string.js';
import { publicBaseUrl } from '../../http/request-info.js';
import { formatTimestamp } from '../../platform/clock.js';
import { normalizeInput, rule, throwIfInvalid, validateFields, type Fields, type RuleContext, type Values } from '../../http/validation.js';
import { answerPreflight, checkOrigin, corsHeaders, WidgetRateLimits } from './widget-edge.js';
import { findLiveSession, newVisitorAddress, newVisitorToken, SESSION_TTL_MS, tokenDigest, unauthorizedVisitor, useSession } from './visitor-tokens.js';
import { findWidgetChannel, insertSession, type VisitorSession, type WidgetChannel } from './visitor-session.repository.js';
import { listWidgetMessages, markDelivered, markReadUpTo, newestMessageId, widgetMessage, type VisitorConversation } from './widget-message.js';
import { sendVisitorMessage } from './widget-send.js';
import { VisitorStream, type WidgetStreams } from './widget-streams.js';
import { widgetSchemas } from './widget-openapi.js';

/**
 * The public widget API `/widget/v1` (docs/channels.md#website-widget): no OAuth token; a widget key opens a
 * session, its visitor token authenticates everything else. Errors use the API's envelope.
 */

const WIDGET_NOT_FOUND = 'Widget not found.';

/** Whether a raw request URL is the widget API's (its CORS is per channel, not FLEXTELL_CORS_ORIGINS). */
export function isWidgetPath(url: string): boolean {
  return url.startsWith('/widget/v1/');
}

const SESSION_FIELDS = {
  widget_key: rule.string().required().max(255),
  visitor_token: rule.string().nullable().max(255),
  name: rule.string().nullable().max(255),
  email: rule.string().nullable().email().max(255),
};
const LIST_FIELDS = { after_id: rule.integer().nullable().min(0) };
const SEND_FIELDS = { message: rule.string().required().max(5000) };
const READ_FIELDS = { up_to_id: rule.integer().required().min(1) };
const STREAM_FIELDS = { last_event_id: rule.integer().nullable().min(0) };

/** The widget's rules read no tenant: the request has none until its token is checked. */
function ruleContext(deps: AppDeps): RuleContext {
  return {
    get tenantId(): number {
      throw new Error('Widget input rules are not tenant-scoped.');
    },
    db: deps.db,
    loaded: undefined,
  };
}

function inputOf(raw: unknown): Record<string, unknown> {
  const input = normalizeInput(raw ?? {});
  return input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}

/** The query read as the API reads it (PHP's rules: `after_id[]=1` is an array, not a number). */
function queryOf(url: string): Record<string, unknown> {
  const start = url.indexOf('?');
  try {
    const map = cleanPhpQuery(parsePhpQuery(start === -1 ? '' : url.slice(start + 1)));
    return Object.fromEntries([...map.entries()].map(([key, value]) => [String(key), value]));
  } catch (error) {
    if (error instanceof QueryStringEncodingError) throw new AppError('invalid_request', MESSAGES.queryNotUtf8);
    throw error;
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

function channelView(channel: WidgetChannel) {
  const { greeting, color } = channel.settings;
  return { name: channel.name, greeting: typeof greeting === 'string' ? greeting : null, color: typeof color === 'string' ? color : '#2563eb' };
}

function conversationOf(session: VisitorSession): VisitorConversation {
  return { tenantId: session.tenant_id, channelId: session.channel_id, address: session.address };
}

export function widgetApi(scope: FastifyInstance, deps: AppDeps, streams: WidgetStreams): void {
  const limits = new WidgetRateLimits(deps);
  const rules = ruleContext(deps);
  const validated = async <F extends Fields>(fields: F, raw: unknown, source: 'query' | 'body'): Promise<Values<F>> => {
    const errors = {};
    const values = await validateFields(fields, inputOf(raw), source, rules, errors);
    throwIfInvalid(errors);
    return values;
  };

  /** Per-IP limit, the token (401), the channel's origins (403), the visitor's limit; the session is used (expiry moves). */
  const visitor = async (request: FastifyRequest, token: string | null): Promise<VisitorSession> => {
    await limits.countIp(request);
    const now = deps.clock.now();
    const session = await findLiveSession(deps.db, token, now);
    if (!session) throw unauthorizedVisitor();
    checkOrigin(request, deps, session.channel_settings);
    await limits.countVisitor(session);
    await useSession(deps.db, session, now);
    return session;
  };

  scope.decorateRequest('widgetCors', 'open');
  // Running handlers are counted, so shutdown closes the database only after the last one (an open stream's handler
  // has returned: its reads stop when the stream is closed at shutdown).
  countRoutesInFlight(scope, deps.lifecycle);
  scope.addHook('onRequest', async (request, reply) => {
    if (deps.lifecycle.shuttingDown) {
      reply.code(503).header('Connection', 'close').headers(corsHeaders(request));
      return reply.send(errorBody(new AppError('service_unavailable', 'The server is shutting down.')));
    }
  });
  scope.addHook('onSend', async (request, reply, payload) => {
    reply.headers({ ...corsHeaders(request), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    return payload;
  });
  scope.addHook('preClose', async () => streams.closeAll());

  scope.options('/widget/v1/*', { schema: { hide: true } }, async (request, reply) => answerPreflight(request, reply));

  scope.post('/widget/v1/sessions', { schema: widgetSchemas.sessions }, async (request, reply) => {
    await limits.countIp(request);
    const values = await validated(SESSION_FIELDS, request.body, 'body');
    const channel = await findWidgetChannel(deps.db, values.widget_key!);
    if (!channel) throw new AppError('not_found', WIDGET_NOT_FOUND);
    checkOrigin(request, deps, channel.settings);
    const now = deps.clock.now();
    const resumed = await findLiveSession(deps.db, values.visitor_token, now);
    if (resumed && resumed.tenant_id === channel.tenant_id && resumed.channel_id === channel.id) {
      const expiresAt = await useSession(deps.db, resumed, now);
      return reply.code(200).send({ visitor_token: values.visitor_token, expires_at: formatTimestamp(expiresAt), channel: channelView(channel) });
    }
    const token = newVisitorToken();
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + SESSION_TTL_MS);
    const session = { tokenDigest: tokenDigest(token), address: newVisitorAddress(), name: values.name ?? null, email: values.email ?? null, expiresAt };
    await insertSession(deps.db, channel, session, now);
    return reply.code(201).send({ visitor_token: token, expires_at: formatTimestamp(expiresAt), channel: channelView(channel) });
  });

  scope.get('/widget/v1/messages', { schema: widgetSchemas.listMessages }, async (request) => {
    const session = await visitor(request, bearerToken(request.headers.authorization));
    const { after_id: afterId } = await validated(LIST_FIELDS, queryOf(request.url), 'query');
    const rows = await listWidgetMessages(deps.db, conversationOf(session), afterId ?? null);
    const now = deps.clock.now();
    // Returned to the visitor: our messages are delivered (docs/channels.md#website-widget).
    await markDelivered(deps.db, session.tenant_id, rows, now);
    const links = { links: deps.fileLinks, baseUrl: publicBaseUrl(request, deps.config), now };
    return { data: rows.map((row) => widgetMessage(row, session.tenant_id, links)) };
  });

  scope.post('/widget/v1/messages', { schema: widgetSchemas.sendMessage }, async (request, reply) => {
    const session = await visitor(request, bearerToken(request.headers.authorization));
    const { message } = await validated(SEND_FIELDS, request.body, 'body');
    const sent = await sendVisitorMessage(deps, session, message!);
    // A quarantined message is answered the same way, with the quarantine row's id (docs/channels.md#website-widget).
    const data = { id: sent.id, is_customer: true, message: message!, file: null, created_at: formatTimestamp(sent.receivedAt) };
    return reply.code(201).send({ data });
  });

  scope.post('/widget/v1/read', { schema: widgetSchemas.read }, async (request) => {
    const session = await visitor(request, bearerToken(request.headers.authorization));
    const { up_to_id: upToId } = await validated(READ_FIELDS, request.body, 'body');
    await markReadUpTo(deps.db, conversationOf(session), upToId!, deps.clock.now());
    return { status: 'ok' };
  });

  scope.get('/widget/v1/stream', { schema: widgetSchemas.stream, exposeHeadRoute: false }, async (request, reply) => {
    const query = queryOf(request.url);
    const token = typeof query.token === 'string' ? query.token : null;
    const session = await visitor(request, token);
    const header = request.headers['last-event-id'];
    const { last_event_id: lastEventId } = await validated(STREAM_FIELDS, typeof header === 'string' ? { last_event_id: header } : query, 'query');
    const conversation = conversationOf(session);
    const afterId = lastEventId ?? (await newestMessageId(deps.db, conversation));
    openStream(request, reply, new VisitorStream(deps, session, tokenDigest(token!), reply.raw, publicBaseUrl(request, deps.config), afterId));
  });

  function openStream(request: FastifyRequest, reply: FastifyReply, stream: VisitorStream): void {
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      ...corsHeaders(request),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Proxies such as nginx would otherwise buffer the events.
      'X-Accel-Buffering': 'no',
    });
    reply.raw.write('retry: 3000\n\n');
    reply.raw.on('close', () => {
      stream.close();
      streams.remove(stream);
    });
    streams.open(stream).catch(() => stream.close());
  }
}
