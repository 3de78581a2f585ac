import { formatTimestamp } from '../../platform/clock.js';
import { CHANNEL_TYPES, type ChannelType } from './channel-types.js';
import { boolean, enumOf, freeObject, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { ChannelRow } from './channel.repository.js';

/** Non-secret and secret settings keys per type, in the order of docs/domain-rules.md#channels. */
export const CHANNEL_SETTINGS: Record<ChannelType, { plain: string[]; secret: string[] }> = {
  whatsapp: { plain: ['agent_mode', 'phone_number_id', 'business_account_id'], secret: ['access_token', 'app_secret', 'verify_token'] },
  instagram: { plain: ['agent_mode', 'account_id'], secret: ['access_token', 'app_secret', 'verify_token'] },
  telegram: { plain: ['agent_mode'], secret: ['bot_token', 'secret_token'] },
  website: { plain: ['agent_mode', 'allowed_origins', 'greeting', 'color', 'widget_key'], secret: [] },
};

export function webhookUrl(channel: Pick<ChannelRow, 'id' | 'type'>, baseUrl: string): string | null {
  switch (channel.type) {
    case 'whatsapp':
      return `${baseUrl}/webhooks/whatsapp`;
    case 'instagram':
      return `${baseUrl}/webhooks/instagram`;
    case 'telegram':
      return `${baseUrl}/webhooks/telegram/${channel.id}`;
    case 'website':
      return null;
  }
}

export const channelTypeSchema = enumOf(CHANNEL_TYPES);

export const channelSchema = object({
  id: integer,
  type: channelTypeSchema,
  name: string,
  address: string,
  is_active: boolean,
  settings: freeObject('Non-secret settings of the type; unset ones are null.'),
  secrets: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'Which secrets are stored; values are never returned.' },
  webhook_url: nullable(string),
  created_at: timestamp,
  updated_at: timestamp,
});

/** ChannelResource (docs/domain-rules.md#channels): secrets are reported only as "is stored" flags, never as values. */
export function channelResource(channel: ChannelRow, baseUrl: string) {
  const keys = CHANNEL_SETTINGS[channel.type];
  const settings: Record<string, unknown> = {};
  for (const key of keys.plain) settings[key] = channel.settings[key] ?? null;
  const secrets: Record<string, boolean> = {};
  for (const key of keys.secret) secrets[key] = typeof channel.secrets[key] === 'string';
  return {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    address: channel.address,
    is_active: channel.is_active,
    settings,
    secrets,
    webhook_url: webhookUrl(channel, baseUrl),
    created_at: formatTimestamp(channel.created_at),
    updated_at: formatTimestamp(channel.updated_at),
  };
}
