import { formatTimestamp } from '../../platform/clock.js';
import { blacklistResource, blacklistSchema, type BlacklistView } from '../blacklist/blacklist.resource.js';
import { channelTypeSchema } from '../channels/channel.resource.js';
import { boolean, integer, integerString, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { ChannelType } from '../channels/channel-types.js';

/** A conversation row joined with what its resource shows (loaded by the finder in one query). */
export interface ConversationView {
  id: number;
  address: string;
  last_message_id: number | null;
  last_message: string | null;
  last_message_at: Date | null;
  last_message_type: string | null;
  last_message_is_customer: boolean | null;
  unread_count: number;
  agent_paused: boolean;
  agent_expires_at: Date | null;
  agent_disabled_by_name: string | null;
  customer: { id: number; first_name: string | null; last_name: string | null; phone_number: string | null; avatar_url: string | null };
  channel: { id: number; name: string; type: ChannelType; address: string };
  blacklist: BlacklistView | null;
}

export function displayName(firstName: string | null, lastName: string | null, address: string): string {
  const name = `${firstName ?? ''} ${lastName ?? ''}`.trim();
  return name === '' ? address : name;
}

/** A pause is in effect while recorded and not yet expired; expiry needs no job (docs/domain-rules.md#conversations). */
export function agentPauseInEffect(paused: boolean, expiresAt: Date | null, now: Date): boolean {
  return paused && (expiresAt === null || expiresAt.getTime() > now.getTime());
}

export const conversationSchema = object({
  id: integer,
  display_name: string,
  address: string,
  last_message_id: nullable(integerString),
  last_message: nullable(string),
  last_message_at: nullable(timestamp),
  last_message_type: nullable(string),
  last_message_is_customer: nullable(boolean),
  unread_count: integerString,
  agent_disabled: boolean,
  agent_expires_at: nullable(timestamp),
  agent_disabled_by_user_name: nullable(string),
  customer: object({ id: integer, first_name: nullable(string), last_name: nullable(string), phone_number: nullable(string), avatar_url: nullable(string) }),
  channel: object({ id: integer, name: string, type: channelTypeSchema, address: string }),
  blacklist: nullable(blacklistSchema),
});

/** ConversationResource (docs/domain-rules.md#conversations), key by key. */
export function conversationResource(view: ConversationView, now: Date) {
  const paused = agentPauseInEffect(view.agent_paused, view.agent_expires_at, now);
  const hasMessage = view.last_message_id !== null;
  return {
    id: view.id,
    display_name: displayName(view.customer.first_name, view.customer.last_name, view.address),
    address: view.address,
    last_message_id: hasMessage ? String(view.last_message_id) : null,
    last_message: hasMessage ? view.last_message : null,
    last_message_at: hasMessage ? formatTimestamp(view.last_message_at) : null,
    last_message_type: hasMessage ? view.last_message_type : null,
    last_message_is_customer: hasMessage ? view.last_message_is_customer : null,
    unread_count: String(view.unread_count),
    agent_disabled: paused,
    agent_expires_at: paused ? formatTimestamp(view.agent_expires_at) : null,
    agent_disabled_by_user_name: paused ? view.agent_disabled_by_name : null,
    customer: {
      id: view.customer.id,
      first_name: view.customer.first_name,
      last_name: view.customer.last_name,
      phone_number: view.customer.phone_number,
      avatar_url: view.customer.avatar_url,
    },
    channel: { id: view.channel.id, name: view.channel.name, type: view.channel.type, address: view.channel.address },
    blacklist: view.blacklist ? blacklistResource(view.blacklist, now) : null,
  };
}
