import type { AppDeps } from '../../app-deps.js';
import type { Config } from '../../config.js';
import { checkFlags, stringFlag, UsageError, type ParsedArgs } from '../../cli-args.js';
import { isHttpUrl } from '../../http/validation.js';
import { findChannelTenant } from './channel.repository.js';
import { setTelegramWebhook, TelegramWebhookError } from './telegram-webhook.js';

type WithDeps = <T>(config: Config, work: (deps: AppDeps) => Promise<T>) => Promise<T>;

/**
 * `flextell telegram set-webhook --channel ID [--url BASE]` (docs/channels.md#channel-management): registers the
 * channel's webhook with Telegram and prints Telegram's `description`; exits 1 with it when Telegram says no.
 */
export async function telegramSetWebhookCommand(config: Config, args: ParsedArgs, withDeps: WithDeps, commandError: (message: string) => Error): Promise<void> {
  checkFlags(args, ['channel', 'url']);
  const channelText = stringFlag(args, 'channel');
  if (channelText === undefined) throw new UsageError('The flag --channel is required.');
  if (!/^[1-9][0-9]{0,14}$/.test(channelText)) throw new UsageError('--channel must be a numeric channel id.');
  const url = stringFlag(args, 'url') ?? config.publicUrl ?? undefined;
  if (args.flags.has('url') && (url === undefined || !isHttpUrl(url))) throw new UsageError('--url must be an http or https URL.');
  if (url === undefined) throw new UsageError('The flag --url is required when PUBLIC_URL is not set.');
  const channelId = Number(channelText);
  const result = await withDeps(config, async (deps) => {
    const tenantId = await findChannelTenant(deps.db, channelId);
    if (tenantId === null) throw commandError(`Channel ${channelId} not found.`);
    try {
      return await setTelegramWebhook(deps, tenantId, channelId, url);
    } catch (error) {
      if (error instanceof TelegramWebhookError) throw commandError(error.message);
      if ((error as { code?: string }).code === 'not_found') throw commandError(`Channel ${channelId} is not a Telegram channel.`);
      throw error;
    }
  });
  if (!result.ok) throw commandError(result.description);
  process.stdout.write(`${result.description}\n`);
}
