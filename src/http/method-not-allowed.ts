import FindMyWay from 'find-my-way';
import type { FastifyInstance, RouteOptions } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Fastify answers an unrouted method with 404; the contract wants 405 with an Allow header (docs/request-checks.md#paths-and-path-ids).
 * A shadow router of every registered path tells which methods a path does have.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });
  private readonly seen = new Set<string>();

  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        const key = `${method} ${route.url}`;
        if (this.seen.has(key) || !(METHODS as readonly string[]).includes(method)) continue;
        this.seen.add(key);
        this.router.on(method as (typeof METHODS)[number], route.url, () => undefined);
      }
    });
  }

  allowedMethods(path: string): string[] {
    const allowed = METHODS.filter((method) => this.router.find(method, path) !== null);
    return allowed.filter((method) => method !== 'HEAD' && method !== 'OPTIONS');
  }
}
