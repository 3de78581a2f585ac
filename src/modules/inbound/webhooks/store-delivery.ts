import type { AppDeps } from '../../../app-deps.js';
import type { InboundProvider } from '../inbound-event.js';
import type { NewInboundEvent } from '../inbound-event.repository.js';
import type { ProviderEvent } from '../providers/wire.js';
import type { WebhookChannel } from '../webhook-channel.finder.js';

/** An event of a delivery and the channel it belongs to. */
export interface RoutedEvent {
  channel: WebhookChannel;
  event: ProviderEvent;
}

/** Pairs each event with the channels of its routing key (normally one; events of unknown keys are dropped). */
export function routeEvents(events: ProviderEvent[], channels: WebhookChannel[]): RoutedEvent[] {
  const routed: RoutedEvent[] = [];
  for (const event of events) {
    for (const channel of channels) if (channel.routing_key === event.routingKey) routed.push({ channel, event });
  }
  return routed;
}

/**
 * Store, then acknowledge (docs/channels.md#inbound-webhooks): the delivery's events, each with its customer's
 * ordering key, commit in one statement (shared with the deliveries that arrived meanwhile, InboundEventWriter),
 * received now. An event repeated inside one delivery is stored once.
 */
export async function storeDelivery(deps: AppDeps, provider: InboundProvider, routed: RoutedEvent[]): Promise<number> {
  const seen = new Set<string>();
  const rows: NewInboundEvent[] = [];
  for (const { channel, event } of routed) {
    const unique = `${channel.tenant_id}:${channel.id}:${event.eventKey}`;
    if (seen.has(unique)) continue;
    seen.add(unique);
    rows.push({
      tenantId: channel.tenant_id,
      channelId: channel.id,
      provider,
      eventKey: event.eventKey,
      payload: event.payload,
      orderingKey: event.address === null ? null : `inbound:${channel.tenant_id}:${channel.id}:${event.address}`,
    });
  }
  return deps.inboundEvents.store({ events: rows, receivedAt: deps.clock.now() });
}
