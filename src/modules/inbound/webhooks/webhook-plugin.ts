import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { JSON_BODY_LIMIT } from '../../../http/body-parsers.js';
import { countRoutesInFlight } from '../../../http/in-flight.js';
import { AppError, errorBody } from '../../../http/errors.js';
import { registerMetaWebhooks } from './meta-webhooks.js';
import { registerTelegramWebhook } from './telegram-webhook.js';

/**
 * The provider webhooks (docs/channels.md#inbound-webhooks), outside /api in a scope of their own: bodies are read
 * as raw bytes whatever their Content-Type (signatures cover the bytes as sent; 1 MiB at most, else 413), there is
 * no OAuth token (each provider authenticates its own way), and errors use the API's envelope.
 */
export async function providerWebhooks(scope: FastifyInstance, deps: AppDeps): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_request, body, done) => done(null, body));

  // Running handlers are counted; once shutdown begins, nothing more is stored (docs/channels.md#inbound-webhooks):
  // the provider retries.
  countRoutesInFlight(scope, deps.lifecycle, shuttingDown);
  // Checked before the body is read too: a large body is not worth receiving.
  scope.addHook('onRequest', async (_request, reply) => {
    if (deps.lifecycle.shuttingDown) return shuttingDown(reply);
  });

  registerMetaWebhooks(scope, deps);
  registerTelegramWebhook(scope, deps);
}

function shuttingDown(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .header('Connection', 'close')
    .send(errorBody(new AppError('service_unavailable', 'The server is shutting down.')));
}
