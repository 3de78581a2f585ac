import { SYSTEM_ACTOR } from '../events/event-types.js';
import type { Queryable } from '../../platform/db/db.js';
import { insertUnlessBlocked } from '../blacklist/blacklist.service.js';
import { quarantineMessage } from '../blacklist/quarantine.repository.js';
import type { InboundInput } from './apply-inbound.js';
import type { InboundMessage } from './inbound-event.js';
import type { IngressState, IngressTarget } from './inbound.repository.js';

/**
 * The blacklist at ingress and the flood auto-block (docs/channels.md#blacklist-at-ingress), once the customer's
 * state is read. The caller holds the customer's pair lock, which serialises the count and the block per (tenant,
 * channel, customer) until the transaction ends, so concurrent events of one customer see each other's messages and
 * add at most one entry.
 */

/** What to read for this customer: the active entry at `now`, and the flood window ending at the event's receipt. */
export function ingressTarget(input: InboundInput, customerId: number): IngressTarget {
  const { channel, now } = input;
  const { flood } = input.settings;
  const until = input.event.receivedAt;
  const window = flood.enabled ? { from: new Date(until.getTime() - flood.window_seconds * 1000), until, cap: flood.max_messages + 1 } : null;
  return { tenantId: channel.tenantId, channelId: channel.id, customerId, now, window };
}

/** §8.1–8.2: the active entry that stops this message, or the flood block it causes now; null lets it in. */
export async function stoppingEntry(tx: Queryable, input: InboundInput, customerId: number, state: IngressState): Promise<number | null> {
  const { channel, now } = input;
  const { flood } = input.settings;
  if (state.activeEntryId !== null || !flood.enabled) return state.activeEntryId;
  if (state.recentMessages + 1 <= flood.max_messages) return null;
  const blockedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return insertUnlessBlocked(
    tx,
    channel.tenantId,
    {
      channelId: channel.id,
      customerId,
      reason: 'rate_limit',
      note: `Automatic block: more than ${flood.max_messages} messages in ${flood.window_seconds} seconds.`,
      blockedAt,
      expiresAt: flood.block_ttl_seconds === null ? null : new Date(blockedAt.getTime() + flood.block_ttl_seconds * 1000),
      metadata: { source: 'flood', max_messages: flood.max_messages, window_seconds: flood.window_seconds },
      createdByUserId: null,
    },
    SYSTEM_ACTOR,
    now,
  );
}

/** Keeps a stopped message in quarantine under its entry: counted and listed, never in the inbox. */
export async function quarantine(tx: Queryable, input: InboundInput, message: InboundMessage, customerId: number, entryId: number): Promise<'quarantined'> {
  const { channel } = input;
  await quarantineMessage(
    tx,
    channel.tenantId,
    {
      blacklistId: entryId,
      channelId: channel.id,
      customerId,
      inboundEventId: input.event.id,
      messageType: message.messageType,
      text: message.text,
      providerMessageId: message.providerMessageId,
      receivedAt: input.event.receivedAt,
    },
    input.now,
  );
  return 'quarantined';
}
