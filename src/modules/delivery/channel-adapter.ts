import type { ChannelType } from '../channels/channel-types.js';

/** What an adapter needs to deliver one outbound message. */
export interface OutboundDelivery {
  tenantId: number;
  messageId: number;
  channel: { id: number; type: ChannelType; settings: Record<string, unknown>; secrets: Record<string, string> };
  /** The customer's address on the channel. */
  to: string;
  text: string | null;
  messageType: string;
  file: { id: number; name: string; mimeType: string; size: number; storageKey: string } | null;
  quotedProviderMessageId: string | null;
}

export interface DeliveryOutcome {
  status: 'sent' | 'delivered';
  providerMessageId: string;
}

/** The provider refused for good (4xx): the message fails with this reason, no retry. */
export class PermanentDeliveryError extends Error {}

/** Worth another attempt (network, timeout, 408, 429, 5xx); a provider's Retry-After may say when. */
export class TransientDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** One provider's outbound side (docs/jobs-and-delivery.md#adapters). */
export interface ChannelAdapter {
  readonly name: string;
  send(delivery: OutboundDelivery): Promise<DeliveryOutcome>;
}

export type AdapterFactory = (type: ChannelType) => ChannelAdapter | null;
