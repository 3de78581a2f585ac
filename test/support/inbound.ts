import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import type { InboundAction, InboundMessage } from '../../src/modules/inbound/inbound-event.js';
import { applyInboundActions } from '../../src/modules/inbound/apply-inbound.js';
import { loadTenantSettings } from '../../src/modules/tenants/tenant-settings.js';

export type ChannelKind = 'whatsapp' | 'instagram' | 'telegram';

let providerIds = 0;

/** A unique provider message id for this test process. */
export function providerId(prefix = 'mid'): string {
  return `${prefix}.${process.pid}.${++providerIds}`;
}

/** A customer text message as a parser would produce it; `overrides` replace any field. */
export function inboundText(address: string, text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    kind: 'message',
    address,
    profile: { firstName: null, lastName: null, username: null, phone: null, avatarUrl: null },
    providerMessageId: providerId(),
    providerTimestamp: null,
    messageType: 'text',
    text,
    quotedProviderMessageId: null,
    metadata: {},
    media: null,
    echo: false,
    ...overrides,
  };
}

/** Applies actions on the seed's channel of this type in one transaction, as the job does; returns the outcome. */
export async function applyActions(
  h: Harness,
  seed: SeedResult,
  type: ChannelKind,
  actions: InboundAction[],
  receivedAt: Date = h.clock.now(),
  eventId: number | null = null,
): Promise<string> {
  const { flood } = await loadTenantSettings(h.deps.db, seed.tenant_id);
  return h.deps.db.transaction((tx) =>
    applyInboundActions(tx, {
      channel: { tenantId: seed.tenant_id, id: seed.channels[type], type },
      event: { id: eventId, receivedAt },
      actions,
      flood,
      now: h.clock.now(),
    }),
  );
}

/** The conversation of (channel, address key) with its counters, straight from the table. */
export async function conversationByKey(h: Harness, seed: SeedResult, type: ChannelKind, key: string): Promise<Record<string, any> | undefined> {
  const result = await h.deps.db.query<Record<string, any>>(
    `SELECT id, customer_id, address, last_message_id, last_message, last_message_at, last_message_is_customer, unread_count, message_count,
            messages_arrival_ordered FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3`,
    [seed.tenant_id, seed.channels[type], key],
  );
  return result.rows[0];
}
