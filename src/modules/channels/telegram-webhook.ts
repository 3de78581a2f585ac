import type { AppDeps } from '../../app-deps.js';
import { notFound } from '../../platform/errors.js';
import { openChannelSecrets } from './channel-secrets.js';
import { findChannel } from './channel.repository.js';

/** How long one setWebhook call may take before it counts as failed. */
const TIMEOUT_MS = 10_000;

export interface SetWebhookResult {
  ok: boolean;
  description: string;
}

/** A failure that never names the bot token (it is part of the Bot API's URL). */
export class TelegramWebhookError extends Error {}

/**
 * Registers the channel's webhook with Telegram (docs/channels.md#channel-management): `POST
 * {TELEGRAM_API_URL}/bot<token>/setWebhook` with the URL, the secret token and the update kinds the inbox reads.
 */
export async function setTelegramWebhook(deps: AppDeps, tenantId: number, channelId: number, baseUrl: string): Promise<SetWebhookResult> {
  const channel = await findChannel(deps.db, tenantId, channelId);
  if (!channel || channel.type !== 'telegram') throw notFound('Telegram channel not found.');
  const secrets = openChannelSecrets(deps.box, channel);
  if (!secrets.bot_token) throw new TelegramWebhookError(`Channel ${channelId} has no bot token.`);
  const body = {
    url: `${baseUrl.replace(/\/+$/, '')}/webhooks/telegram/${channelId}`,
    secret_token: secrets.secret_token,
    allowed_updates: ['message', 'edited_message'],
  };
  let response: Response;
  try {
    response = await fetch(`${deps.config.telegramApiUrl.replace(/\/+$/, '')}/bot${secrets.bot_token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new TelegramWebhookError(`Telegram could not be reached (${(error as Error).name}).`);
  }
  let answer: { ok?: unknown; description?: unknown };
  try {
    answer = (await response.json()) as typeof answer;
  } catch {
    throw new TelegramWebhookError(`Telegram answered ${response.status} without JSON.`);
  }
  const description = typeof answer?.description === 'string' ? answer.description : `HTTP ${response.status}`;
  return { ok: answer?.ok === true, description };
}
