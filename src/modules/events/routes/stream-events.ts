import type { FastifyReply } from 'fastify';
import { decodeJwt } from 'jose';
import { defineRoute, type ApiRequest } from '../../../http/define-route.js';
import { AppError } from '../../../platform/errors.js';
import { rule, type FieldRule } from '../../../http/validation.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { EVENT_TYPES } from '../event-types.js';
import { readEventHead, type EventHead } from '../event-log.repository.js';
import { EventStream, type StreamOwner } from '../event-stream.js';
import { eventBlock, namedBlock, retryBlock } from '../event-stream-format.js';
import { eventStreamResponse, LAST_EVENT_ID_HEADER } from '../event-stream-openapi.js';

const MAX_EVENT_ID = 9_223_372_036_854_775_807n;
const RETRY_AFTER = { 'Retry-After': '5' };

/** The header as sent: absent or empty → null; else 1–19 digits within the signed 64-bit range, or 400 (step 7). */
function lastEventId(header: string | string[] | undefined): number | null {
  if (header === undefined || header === '') return null;
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!/^[0-9]{1,19}$/.test(text) || BigInt(text) > MAX_EVENT_ID) {
    throw new AppError('invalid_request', 'The Last-Event-ID header must be a non-negative integer.');
  }
  return Number(text);
}

/** Where the stream starts, and the `reset` to announce when the cursor is older than the log or unknown. */
function startOf(cursor: number | null, head: EventHead): { afterId: number; reset: 'expired' | 'unknown_id' | null } {
  if (cursor === null) return { afterId: head.lastId, reset: null };
  if (cursor < head.prunedThrough) return { afterId: head.lastId, reset: 'expired' };
  if (cursor > head.lastId) return { afterId: head.lastId, reset: 'unknown_id' };
  return { afterId: cursor, reset: null };
}

function ownerOf(request: ApiRequest<any, any, any>, types: string[] | null): StreamOwner {
  // The pipeline verified this bearer token (docs/request-checks.md#authentication): only its exp is read here.
  const bearer = /^Bearer +(\S.*)$/i.exec(request.raw.headers.authorization!.trim())![1]!.trim();
  return {
    tenantId: request.tenantId,
    bearer,
    token: request.context.token,
    expiresAtMs: decodeJwt(bearer).exp! * 1000,
    types: types ? new Set(types) : null,
    baseUrl: publicBaseUrl(request.raw, request.deps.config),
  };
}

/** The limits (docs/events.md#limits), checked last: the per-token 429 before the per-process 503. */
async function admit(request: ApiRequest<any, any, any>, stream: EventStream): Promise<void> {
  const { deps, raw } = request;
  if (deps.lifecycle.shuttingDown) throw new AppError('service_unavailable', 'The server is shutting down.', { headers: RETRY_AFTER });
  const admission = await raw.server.eventStreams.admit(stream);
  if (admission === 'too_many_for_token') {
    const limit = deps.config.eventStreams.maxStreamsPerToken;
    const message = `Too many open event streams for this access token (limit ${limit}). Close one and retry.`;
    throw new AppError('too_many_streams', message, { headers: RETRY_AFTER });
  }
  if (admission === 'too_many_for_process') {
    throw new AppError('service_unavailable', `Too many open streams on this server. Retry later. (request id ${raw.id})`, { headers: RETRY_AFTER });
  }
}

/** From here on the answer is the stream: headers, `retry`, `ready`, and a `reset` when the cursor is not in the log. */
function startStream(reply: FastifyReply, heartbeatSeconds: number, head: EventHead, reset: 'expired' | 'unknown_id' | null): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    // Lower case, as getHeaders() names them, so these replace rather than repeat the hooks' headers.
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // Proxies such as nginx would otherwise buffer the events.
    'x-accel-buffering': 'no',
  });
  const ready = { last_event_id: head.lastId, oldest_event_id: head.oldestId, heartbeat_seconds: heartbeatSeconds };
  let opening = retryBlock(3000) + namedBlock('ready', ready);
  if (reset) opening += eventBlock(head.lastId, 'reset', JSON.stringify({ reason: reset, last_event_id: head.lastId }));
  reply.raw.write(opening);
}

export const streamEvents = defineRoute({
  method: 'GET',
  url: '/api/v1/events',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'Stream events',
  description:
    "The tenant's event log as Server-Sent Events: `ready`, then every event after the cursor (`Last-Event-ID`, else `after`, else the head), then live ones, with `: ping` heartbeats; `reset` when the cursor is older than the log or unknown; `closing` before the server ends the stream. Events the reader may not see (or `types` leaves out) are skipped with id-only blocks. See docs/events.md#the-stream.",
  tags: ['Events'],
  query: {
    after: rule.integer().nullable().min(0).describe('Resume after this event id (the Last-Event-ID header wins).'),
    types: (rule.array().nullable().each(rule.enum(EVENT_TYPES)) as FieldRule<string[]>).describe('Only these event types (`types[]=message.created&…`).'),
  },
  openApiHeaders: LAST_EVENT_ID_HEADER,
  // Step 7 of the checks: the header is read before the query is validated.
  load: async ({ raw }) => lastEventId(raw.headers['last-event-id']),
  responseSchema: eventStreamResponse,
  handler: async (request) => {
    const { deps, reply, query } = request;
    // HEAD (which the router adds to every GET) gets the stream's headers and no stream: nothing would be read.
    if (request.raw.method === 'HEAD') return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').send();
    const stream = new EventStream(ownerOf(request, query.types ?? null), reply.raw, 0);
    await admit(request, stream);
    const hub = request.raw.server.eventStreams;
    let head: EventHead;
    try {
      head = await readEventHead(deps.db, request.tenantId);
    } catch (error) {
      hub.release(stream);
      throw error;
    }
    const start = startOf(request.loaded ?? query.after ?? null, head);
    stream.lastSeenId = start.afterId;
    startStream(reply, deps.config.eventStreams.heartbeatSeconds, head, start.reset);
    reply.raw.on('close', () => {
      stream.cut();
      hub.release(stream);
    });
    // A failed start (the database went away) drops the connection: the client resumes from its last id.
    hub.open(stream, head.lastId).catch(() => stream.cut());
  },
});
