import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import type { AnyRoute } from './define-route.js';
import type { PartDigest } from '../modules/idempotency/request-fingerprint.js';
import { AppError } from './errors.js';

export const MULTIPART_CONTENT_TYPE = 'The Content-Type must be multipart/form-data.';

export interface MultipartLimits {
  /** A Content-Length above this is refused before a byte is read. */
  maxContentLength: number;
  tooLargeMessage: string;
  /**
   * Reads the whole body ahead of the handler (which then gets the same result), for a request with an
   * Idempotency-Key: its parts' digests, and what removes what was stored if no handler takes the body over.
   */
  readAhead: (request: FastifyRequest, deps: AppDeps, tenantId: number) => Promise<{ digests: PartDigest[]; discard(): Promise<void> }>;
}

const limitsByRoute = new WeakMap<AnyRoute, MultipartLimits>();

/** Marks a route as taking multipart/form-data; app.ts mounts it in the multipart scope below. */
export function multipartRoute<R extends AnyRoute>(route: R, limits: MultipartLimits): R {
  limitsByRoute.set(route, limits);
  return route;
}

export function isMultipartRoute(route: AnyRoute): boolean {
  return limitsByRoute.has(route);
}

export function multipartLimits(route: AnyRoute): MultipartLimits | undefined {
  return limitsByRoute.get(route);
}

/**
 * Prepares an encapsulated scope for multipart routes: there, and only there, multipart/form-data is accepted (the
 * parts are read by the handler, as a stream) and every other non-empty body is 415 (docs/input.md#body-transport). Every other route
 * keeps the JSON parsers of body-parsers.ts, so a multipart body sent to them is still 415.
 */
export async function installMultipart(scope: FastifyInstance): Promise<void> {
  scope.removeAllContentTypeParsers();
  await scope.register(multipart);
  scope.addContentTypeParser('*', (request, _payload, done) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (request.headers['transfer-encoding'] !== undefined || length > 0) done(new AppError('unsupported_media_type', MULTIPART_CONTENT_TYPE), undefined);
    else done(null, {});
  });
  // Body transport (docs/request-checks.md#order-of-checks step 7) runs before the path ids are looked up: an oversized announcement ends here.
  scope.addHook('preValidation', async (request) => {
    const definition = request.routeOptions.config?.definition;
    const limits = definition && limitsByRoute.get(definition);
    if (limits && Number(request.headers['content-length'] ?? 0) > limits.maxContentLength) {
      throw new AppError('payload_too_large', limits.tooLargeMessage, { headers: { Connection: 'close' } });
    }
  });
}
