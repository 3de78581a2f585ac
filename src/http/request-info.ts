import type { FastifyRequest } from 'fastify';

/** api.md §10: the socket peer, or the first X-Forwarded-For address behind a trusted proxy. */
export function clientIp(request: FastifyRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? 'unknown';
}

export function requestScheme(request: FastifyRequest, trustProxy: boolean): 'http' | 'https' {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-proto'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
    if (first === 'https' || first === 'http') return first;
  }
  return (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

/** PUBLIC_URL when configured, else the origin the client used (product.md §8). */
export function publicBaseUrl(request: FastifyRequest, config: { publicUrl: string | null; trustProxy: boolean }): string {
  if (config.publicUrl) return config.publicUrl;
  const host = request.headers.host ?? `${request.socket.localAddress}:${request.socket.localPort}`;
  return `${requestScheme(request, config.trustProxy)}://${host}`;
}
