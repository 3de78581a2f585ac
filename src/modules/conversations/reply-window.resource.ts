import { formatTimestamp } from '../../platform/clock.js';
import { boolean, enumOf, nullable, object, timestamp } from '../../http/openapi-schemas.js';
import { CHANNEL_TYPES } from '../channels/channel-types.js';
import type { ReplyWindow } from './reply-window.js';

export const replyWindowSchema = object({
  channel_type: enumOf(CHANNEL_TYPES),
  is_open: boolean,
  last_customer_message_at: nullable(timestamp),
  closes_at: nullable(timestamp),
  requires_template: boolean,
});

/** ReplyWindow (docs/domain-rules.md#channels): `requires_template` = a WhatsApp conversation whose window is closed. */
export function replyWindowResource(window: ReplyWindow) {
  return {
    channel_type: window.channelType,
    is_open: window.isOpen,
    last_customer_message_at: formatTimestamp(window.lastCustomerMessageAt),
    closes_at: formatTimestamp(window.closesAt),
    requires_template: window.channelType === 'whatsapp' && !window.isOpen,
  };
}
