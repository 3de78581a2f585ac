import type { ChannelType } from '../channels/channel-types.js';

/**
 * What a provider event means, independent of its wire format (docs/channels.md#inbound). The webhook parsers
 * (`src/modules/inbound/providers/*`) turn one stored event into a list of these; processing
 * (`process-inbound.job.ts`) applies them to customers, conversations and messages.
 */

export type InboundProvider = Exclude<ChannelType, 'website'>;

export type InboundMessageType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'unsupported';

/** Who wrote, as the provider describes them; every field optional. */
export interface InboundProfile {
  firstName: string | null;
  lastName: string | null;
  /** Instagram and Telegram usernames, kept in the customer's metadata. */
  username: string | null;
  /** WhatsApp: the E.164 number of the sender (`+` and the wa_id). */
  phone: string | null;
  avatarUrl: string | null;
}

/** A profile that says nothing (echoes, visitors without a name). */
export const NO_PROFILE: InboundProfile = { firstName: null, lastName: null, username: null, phone: null, avatarUrl: null };

/** Where an inbound file can be fetched (the download_media job does it). */
export type InboundMediaRef =
  | { source: 'whatsapp'; mediaId: string; mimeType: string | null; filename: string | null }
  | { source: 'url'; url: string; mimeType: string | null; filename: string | null }
  | { source: 'telegram'; fileId: string; mimeType: string | null; filename: string | null };

export interface InboundMessage {
  kind: 'message';
  /** The customer's address on the channel: `+<wa_id>`, the IGSID, the Telegram chat id. */
  address: string;
  profile: InboundProfile;
  providerMessageId: string;
  providerTimestamp: Date | null;
  messageType: InboundMessageType;
  /** The text, the caption of a media message, or the summary of a location or contact; null for unsupported. */
  text: string | null;
  quotedProviderMessageId: string | null;
  /** Channel-specific metadata keys (`location`, `contact`, `provider_type`, …). */
  metadata: Record<string, unknown>;
  media: InboundMediaRef | null;
  /**
   * Instagram `is_echo`: a message the business sent from another app. Stored as an outbound message with source
   * `provider_app` (unless its id is one we sent); it changes neither unread_count nor the agent.
   */
  echo: boolean;
}

/** A delivery or read status of one of our outbound messages. */
export interface InboundStatus {
  kind: 'status';
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** For `failed`: `"<code>: <title>"`. */
  failureReason: string | null;
}

/** The customer edited a message (Telegram `edited_message`): new text, the old one to metadata `previous_text`. */
export interface InboundEdit {
  kind: 'edit';
  address: string;
  providerMessageId: string;
  text: string | null;
}

/** The customer reacted to a message: noted in that message's metadata `reactions`. */
export interface InboundReaction {
  kind: 'reaction';
  address: string;
  providerMessageId: string;
  /** Null or empty: the reaction was removed. */
  emoji: string | null;
  at: Date;
}

/** The customer withdrew a message in the provider's app (Instagram `is_deleted`). */
export interface InboundWithdrawal {
  kind: 'withdrawal';
  address: string;
  providerMessageId: string;
}

export type InboundAction = InboundMessage | InboundStatus | InboundEdit | InboundReaction | InboundWithdrawal;

/** A customer's plain text message: no media, quote, metadata or provider time (a widget visitor's, for one). */
export function textMessage(address: string, text: string, providerMessageId: string, profile: InboundProfile = NO_PROFILE): InboundMessage {
  return {
    kind: 'message',
    address,
    profile,
    providerMessageId,
    providerTimestamp: null,
    messageType: 'text',
    text,
    quotedProviderMessageId: null,
    metadata: {},
    media: null,
    echo: false,
  };
}
