import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { publicBaseUrl } from '../../http/request-info.js';
import type { LinkContext } from '../files/file.resource.js';

/** Signed links point at PUBLIC_URL, or at the origin of the request that renders them. */
export function linkContext(deps: AppDeps, request: FastifyRequest): LinkContext {
  return { links: deps.fileLinks, baseUrl: publicBaseUrl(request, deps.config), now: deps.clock.now() };
}
