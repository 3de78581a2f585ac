import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import type { AppDeps } from '../app-deps.js';

type Lifecycle = AppDeps['lifecycle'];

/** Runs a handler counted in `lifecycle.inFlight`: shutdown closes the database only after the last one (src/server.ts). */
export async function countedInFlight<T>(lifecycle: Lifecycle, work: () => Promise<T>): Promise<T> {
  lifecycle.inFlight++;
  try {
    return await work();
  } finally {
    lifecycle.inFlight--;
  }
}

/**
 * Counts the handlers of every route `scope` registers from now on. `refuseWhenStopping`, when given, answers
 * instead of the handler once shutdown has begun (checked when the handler starts, after the body has arrived).
 */
export function countRoutesInFlight(scope: FastifyInstance, lifecycle: Lifecycle, refuseWhenStopping?: (reply: FastifyReply) => FastifyReply): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = async function (this: FastifyInstance, request, reply) {
      if (refuseWhenStopping && lifecycle.shuttingDown) return refuseWhenStopping(reply);
      return countedInFlight(lifecycle, async () => handler.call(this, request, reply));
    };
  });
}
