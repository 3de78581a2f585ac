import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { AppError } from '../../http/errors.js';
import { RateLimiter, tooManyRequests, type RateLimitDecision } from '../../http/rate-limit.js';
import { clientIp, publicBaseUrl } from '../../http/request-info.js';

/**
 * The widget API's edge (docs/channels.md#website-widget): CORS per channel and the two rate limits.
 *
 * CORS: an answer tied to a channel carries `Access-Control-Allow-Origin` only for that channel's allowed origins
 * (any with `["*"]`, and always this server's own origin); any other Origin is refused with 403. Answers that no
 * channel can be known for yet (a pre-flight, a bad token, an unknown widget key, the per-IP limit, malformed input)
 * echo the Origin, as pre-flights do, so the widget can read why and start over; they disclose nothing about a channel.
 */

export const ORIGIN_REFUSED = 'This origin is not allowed for this widget.';

declare module 'fastify' {
  interface FastifyRequest {
    /** `open` until a channel is known, then `allowed`; refused requests never get CORS headers. */
    widgetCors: 'open' | 'allowed' | 'refused';
  }
}

function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : null;
}

/** This server's own origin: PUBLIC_URL's, or the one the request came to. */
function ownOrigin(request: FastifyRequest, deps: AppDeps): string | null {
  try {
    return new URL(publicBaseUrl(request, deps.config)).origin;
  } catch {
    return null;
  }
}

/** Checks the request's Origin against the channel's `allowed_origins`; a request without Origin is not a browser's cross-origin call. */
export function checkOrigin(request: FastifyRequest, deps: AppDeps, settings: Record<string, unknown>): void {
  const origin = requestOrigin(request);
  if (origin === null) return;
  const allowed = Array.isArray(settings.allowed_origins) ? settings.allowed_origins : [];
  const lower = origin.toLowerCase();
  const ok =
    allowed.includes('*') || allowed.some((entry) => typeof entry === 'string' && entry.toLowerCase() === lower) || origin === ownOrigin(request, deps);
  if (!ok) {
    request.widgetCors = 'refused';
    throw new AppError('forbidden', ORIGIN_REFUSED);
  }
  request.widgetCors = 'allowed';
}

/** The CORS headers of an answer (onSend, and the stream's own head). */
export function corsHeaders(request: FastifyRequest): Record<string, string> {
  const origin = requestOrigin(request);
  if (origin === null || request.widgetCors === 'refused') return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After', Vary: 'Origin' };
}

/** A pre-flight cannot be tied to a channel (§9.4): 204 for any Origin; the real request is checked. */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const headers: Record<string, string> = { ...corsHeaders(request), 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Max-Age': '600' };
  headers['Access-Control-Allow-Headers'] = 'Authorization, Content-Type';
  return reply.code(204).headers(headers).send();
}

/** `FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE` per visitor token and five times that per client IP, in the API limiter's store. */
export class WidgetRateLimits {
  private readonly visitor: RateLimiter;
  private readonly ip: RateLimiter;

  constructor(deps: AppDeps) {
    const perMinute = deps.config.widgetRateLimitPerMinute;
    this.visitor = new RateLimiter(deps.limiter.store, perMinute);
    this.ip = new RateLimiter(deps.limiter.store, perMinute * 5);
  }

  async countIp(request: FastifyRequest): Promise<void> {
    refuseIfExceeded(await this.ip.hit(`widget-ip:${clientIp(request)}`));
  }

  async countVisitor(session: { tenant_id: number; id: number }): Promise<void> {
    refuseIfExceeded(await this.visitor.hit(`widget-visitor:${session.tenant_id}:${session.id}`));
  }
}

function refuseIfExceeded(decision: RateLimitDecision): void {
  if (!decision.exceeded) return;
  throw tooManyRequests(decision);
}
