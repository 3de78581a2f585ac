import type { InboundAction, InboundProvider } from './inbound-event.js';
import { parseInstagramEvent } from './providers/instagram.js';
import { parseTelegramEvent } from './providers/telegram.js';
import { parseWhatsAppEvent } from './providers/whatsapp.js';

/**
 * Turns one stored inbound event (its `payload` as the webhook stored it) into what it means. Pure: no database,
 * no clock, never throws on odd input (an event that means nothing is an empty list). Each provider's wire format
 * is read in `providers/<provider>.ts` (docs/channels.md#what-each-event-means).
 */
export function parseInboundEvent(provider: InboundProvider, payload: unknown): InboundAction[] {
  switch (provider) {
    case 'whatsapp':
      return parseWhatsAppEvent(payload);
    case 'instagram':
      return parseInstagramEvent(payload);
    case 'telegram':
      return parseTelegramEvent(payload);
  }
}
