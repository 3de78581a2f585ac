import type { InboundAction, InboundProvider } from './inbound-event.js';

/**
 * Turns one stored inbound event (its `payload` as the webhook stored it) into what it means. Pure: no database,
 * no clock. Each provider's wire format is read in `providers/<provider>.ts`.
 */
export function parseInboundEvent(provider: InboundProvider, payload: unknown): InboundAction[] {
  void payload;
  throw new Error(`Parsing ${provider} events is not implemented yet.`);
}
