import type { ChannelType } from '../channels/channel-types.js';
import type { AdapterFactory, ChannelAdapter, DeliveryOutcome, OutboundDelivery } from './channel-adapter.js';
import { PermanentDeliveryError } from './channel-adapter.js';

/** Credentials a channel type needs before its real adapter is used (docs/domain-rules.md#channels, docs/jobs-and-delivery.md#adapters). */
const REQUIRED_CREDENTIALS: Record<Exclude<ChannelType, 'website'>, { settings: string[]; secrets: string[] }> = {
  whatsapp: { settings: ['phone_number_id'], secrets: ['access_token'] },
  instagram: { settings: ['account_id'], secrets: ['access_token'] },
  telegram: { settings: [], secrets: ['bot_token'] },
};

export function hasCredentials(channel: OutboundDelivery['channel']): boolean {
  if (channel.type === 'website') return true;
  const required = REQUIRED_CREDENTIALS[channel.type];
  return (
    required.settings.every((key) => typeof channel.settings[key] === 'string') && required.secrets.every((key) => typeof channel.secrets[key] === 'string')
  );
}

/** Nothing leaves the server: the message is delivered at once as `sandbox-<id>` (docs/jobs-and-delivery.md#adapters). */
export class SandboxAdapter implements ChannelAdapter {
  readonly name = 'sandbox';

  constructor(private readonly log: (fields: object, message: string) => void = () => undefined) {}

  async send(delivery: OutboundDelivery): Promise<DeliveryOutcome> {
    this.log({ channel: delivery.channel.id, message: delivery.messageId }, 'sandbox delivery');
    return { status: 'delivered', providerMessageId: `sandbox-${delivery.messageId}` };
  }
}

/** The widget reads replies from the server itself: stored for the visitor means sent (docs/jobs-and-delivery.md#adapters). */
export class WebsiteAdapter implements ChannelAdapter {
  readonly name = 'website';

  async send(delivery: OutboundDelivery): Promise<DeliveryOutcome> {
    return { status: 'sent', providerMessageId: String(delivery.messageId) };
  }
}

/**
 * Picks the adapter of a delivery: the sandbox for channels without credentials, the website adapter for the
 * widget, and a provider adapter from `providers` otherwise (the provider adapters arrive with the channels work).
 */
export class AdapterRegistry {
  private readonly sandbox: ChannelAdapter;
  private readonly website = new WebsiteAdapter();

  constructor(
    private readonly providers: AdapterFactory = () => null,
    log?: (fields: object, message: string) => void,
  ) {
    this.sandbox = new SandboxAdapter(log);
  }

  adapterFor(channel: OutboundDelivery['channel']): ChannelAdapter {
    if (channel.type === 'website') return this.providers('website') ?? this.website;
    if (!hasCredentials(channel)) return this.sandbox;
    const adapter = this.providers(channel.type);
    if (!adapter) {
      return {
        name: 'unavailable',
        send: async () => {
          throw new PermanentDeliveryError(`Sending to ${channel.type} is not available in this version.`);
        },
      };
    }
    return adapter;
  }
}
