import { defineJob } from '../../platform/jobs/define-job.js';
import { setTelegramWebhook, TelegramWebhookError } from './telegram-webhook.js';

export interface RegisterTelegramWebhookPayload {
  channel_id: number;
}

/**
 * Points the bot's webhook at this server after its bot or secret token changed (docs/channels.md#channel-management).
 * Enqueued in the channel's transaction only when PUBLIC_URL is https (Telegram requires it). A failure is logged by
 * the worker and retried a few times; it never affects the API request that enqueued it.
 */
export const registerTelegramWebhookJob = defineJob<RegisterTelegramWebhookPayload>({
  type: 'register_telegram_webhook',
  maxAttempts: 3,
  handler: async (context, deps) => {
    const tenantId = Number(context.job.tenant_id);
    const baseUrl = deps.config.publicUrl;
    if (!baseUrl) return;
    const result = await setTelegramWebhook(deps, tenantId, context.payload.channel_id, baseUrl).catch((error: unknown) => {
      // A channel that is gone or has no bot token any more has nothing to register.
      if (error instanceof TelegramWebhookError && /no bot token/.test(error.message)) return { ok: true, description: '' };
      if ((error as { code?: string }).code === 'not_found') return { ok: true, description: '' };
      throw error;
    });
    if (!result.ok) throw new TelegramWebhookError(`Telegram refused the webhook of channel ${context.payload.channel_id}: ${result.description}`);
  },
});
