import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { verifyTokenDigest } from '../../channels/channel-secrets.js';
import { findLiveChannelsByRoutingKey, liveChannelHasVerifyToken } from '../webhook-channel.finder.js';
import { INSTAGRAM_OBJECT, instagramAccountIds, splitInstagramDelivery } from '../providers/instagram.js';
import { WHATSAPP_OBJECT, splitWhatsAppDelivery, whatsAppIgnoredParts, whatsAppPhoneNumberIds } from '../providers/whatsapp.js';
import { record, type ProviderEvent, type Wire } from '../providers/wire.js';
import { channelSecret, metaSignatureMatches, parseMetaSignature } from './webhook-auth.js';
import { acknowledge, rawBody, readWebhookJson, refuse } from './webhook-body.js';
import { routeEvents, storeDelivery } from './store-delivery.js';
import { metaDeliverySchema, metaHandshakeSchema } from './webhook-openapi.js';

/**
 * `GET`/`POST /webhooks/whatsapp` and `/webhooks/instagram`: one URL per provider for every channel of every tenant
 * (docs/channels.md#whatsapp-and-instagram-webhooks). The handshake finds a live channel by its verify token; a
 * delivery is routed by the account ids it names and must carry the signature of every channel it reaches.
 */

interface MetaProvider {
  type: 'whatsapp' | 'instagram';
  /** The `object` of the deliveries meant for us; any other is acknowledged and ignored. */
  object: string;
  routingKeys(body: Wire): string[];
  split(body: Wire): ProviderEvent[];
  /** What the delivery carries that is ignored, for the log. */
  ignored?(body: Wire): object | null;
}

const PROVIDERS: MetaProvider[] = [
  { type: 'whatsapp', object: WHATSAPP_OBJECT, routingKeys: whatsAppPhoneNumberIds, split: splitWhatsAppDelivery, ignored: whatsAppIgnoredParts },
  { type: 'instagram', object: INSTAGRAM_OBJECT, routingKeys: instagramAccountIds, split: splitInstagramDelivery },
];

export const INVALID_SIGNATURE = 'Invalid webhook signature.';

function queryText(query: unknown, name: string): string | null {
  const value = record(query)?.[name];
  return typeof value === 'string' ? value : null;
}

export function registerMetaWebhooks(scope: FastifyInstance, deps: AppDeps): void {
  for (const provider of PROVIDERS) {
    const url = `/webhooks/${provider.type}`;

    scope.get(url, { schema: metaHandshakeSchema(provider.type) }, async (request, reply) => {
      const token = queryText(request.query, 'hub.verify_token');
      const challenge = queryText(request.query, 'hub.challenge');
      const verified =
        queryText(request.query, 'hub.mode') === 'subscribe' &&
        token &&
        challenge !== null &&
        (await liveChannelHasVerifyToken(deps.db, provider.type, verifyTokenDigest(deps.box, token)));
      reply.type('text/plain; charset=utf-8').header('Cache-Control', 'no-store');
      return verified ? reply.code(200).send(challenge) : reply.code(403).send('Forbidden');
    });

    scope.post(url, { schema: metaDeliverySchema(provider.type) }, async (request, reply) => {
      const signature = parseMetaSignature(request.headers['x-hub-signature-256']);
      if (!signature) return refuse(reply, INVALID_SIGNATURE);
      const bytes = rawBody(request.body);
      const body = record(readWebhookJson(bytes));
      if (body?.object !== provider.object) {
        request.log.info({ provider: provider.type }, 'webhook ignored: not a delivery for this provider');
        return acknowledge(reply);
      }
      const routingKeys = provider.routingKeys(body);
      const channels = routingKeys.length > 0 ? await findLiveChannelsByRoutingKey(deps.db, deps.webhookChannels, provider.type, routingKeys) : [];
      if (channels.length === 0) {
        request.log.warn({ provider: provider.type, routing_keys: routingKeys.slice(0, 10) }, 'webhook ignored: no live channel for it');
        return acknowledge(reply);
      }
      for (const channel of channels) {
        const appSecret = channelSecret(deps.box, channel, 'app_secret');
        if (appSecret === null || !metaSignatureMatches(signature, bytes, appSecret)) {
          request.log.warn({ provider: provider.type, channel_id: channel.id }, 'webhook refused: signature does not verify');
          return refuse(reply, INVALID_SIGNATURE);
        }
      }
      const ignored = provider.ignored?.(body);
      if (ignored) request.log.info({ provider: provider.type, ...ignored }, 'webhook parts ignored');
      await storeDelivery(deps, provider.type, routeEvents(provider.split(body), channels));
      return acknowledge(reply);
    });
  }
}
