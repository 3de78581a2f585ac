import type { FastifyRequest } from 'fastify';
import type { TrustProxy } from '../config.js';

type FastifyTrustProxy = false | string[] | ((address: string, hop: number) => boolean);

/**
 * Fastify's `trustProxy` for TRUST_PROXY (README "Configuration"). proxy-addr then walks X-Forwarded-For from the
 * socket peer leftwards while the hop is trusted, so `request.ip` is the right-most address no trusted proxy added.
 * A hop count is a function: Fastify's own numeric option trusts nothing.
 */
export function fastifyTrustProxy(trust: TrustProxy): FastifyTrustProxy {
  if (trust === false || ('hops' in trust && trust.hops === 0)) return false;
  if ('proxies' in trust) return trust.proxies;
  const { hops } = trust;
  return (_address, hop) => hop < hops;
}

/** docs/request-checks.md#response-headers: the socket peer, or behind trusted proxies the address the nearest untrusted hop connected from. */
export function clientIp(request: FastifyRequest): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** X-Forwarded-Proto's right-most entry when the socket peer is a trusted proxy (Fastify's `protocol`), else the socket. */
export function requestScheme(request: FastifyRequest): 'http' | 'https' {
  const scheme = request.protocol?.toLowerCase();
  if (scheme === 'https' || scheme === 'http') return scheme;
  return (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

/** PUBLIC_URL when configured, else the origin the client used (README.md#configuration). */
export function publicBaseUrl(request: FastifyRequest, config: { publicUrl: string | null }): string {
  if (config.publicUrl) return config.publicUrl;
  const host = request.headers.host ?? `${request.socket.localAddress}:${request.socket.localPort}`;
  return `${requestScheme(request)}://${host}`;
}
