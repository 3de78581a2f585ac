import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { findTelegramChannel } from '../webhook-channel.finder.js';
import { telegramUpdateAddress, telegramUpdateId } from '../providers/telegram.js';
import { record } from '../providers/wire.js';
import { channelSecret, secretTokenMatches } from './webhook-auth.js';
import { acknowledge, rawBody, readWebhookJson, refuse } from './webhook-body.js';
import { telegramDeliverySchema } from './webhook-openapi.js';
import { storeDelivery } from './store-delivery.js';

/**
 * `POST /webhooks/telegram/{channel_id}`: one URL per channel (docs/channels.md#telegram-webhook). Telegram sends
 * the channel's secret token in `X-Telegram-Bot-Api-Secret-Token`; each update is one event, `update:<update_id>`.
 */

export const INVALID_SECRET = 'Invalid webhook secret.';

/** Channel ids are positive and below 2^53; anything else names no channel. */
const CHANNEL_ID = /^[1-9][0-9]{0,14}$/;

export function registerTelegramWebhook(scope: FastifyInstance, deps: AppDeps): void {
  scope.post<{ Params: { channelId: string } }>('/webhooks/telegram/:channelId', { schema: telegramDeliverySchema }, async (request, reply) => {
    const { channelId } = request.params;
    const channel = CHANNEL_ID.test(channelId) ? await findTelegramChannel(deps.db, deps.webhookChannels, Number(channelId)) : null;
    const secretToken = channel && channelSecret(deps.box, channel, 'secret_token');
    if (!channel || !secretToken || !secretTokenMatches(request.headers['x-telegram-bot-api-secret-token'], secretToken)) {
      return refuse(reply, INVALID_SECRET);
    }
    const update = record(readWebhookJson(rawBody(request.body)));
    // docs/channels.md#inbound-webhooks: a switched-off channel's updates are acknowledged and dropped.
    if (!channel.is_active) return acknowledge(reply);
    const updateId = update && telegramUpdateId(update);
    if (!update || !updateId) {
      request.log.info({ channel_id: channel.id }, 'webhook ignored: not a Telegram update');
      return acknowledge(reply);
    }
    const event = { routingKey: channelId, eventKey: `update:${updateId}`, address: telegramUpdateAddress(update), payload: update };
    await storeDelivery(deps, 'telegram', [{ channel, event }]);
    return acknowledge(reply);
  });
}
