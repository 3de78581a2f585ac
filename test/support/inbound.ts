import { settleBackgroundMoves } from '../../src/modules/events/event-outbox.js';
import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { textMessage, type InboundAction, type InboundMessage } from '../../src/modules/inbound/inbound-event.js';
import { applyInboundActions } from '../../src/modules/inbound/apply-inbound.js';
import { loadTenantSettings } from '../../src/modules/tenants/tenant-settings.js';
import { processPendingEvents, type InboundParser } from '../../src/modules/inbound/process-inbound.js';

export type ChannelKind = 'whatsapp' | 'instagram' | 'telegram';

let providerIds = 0;

/** A unique provider message id for this test process. */
export function providerId(prefix = 'mid'): string {
  return `${prefix}.${process.pid}.${++providerIds}`;
}

/** A customer text message as a parser would produce it; `overrides` replace any field. */
export function inboundText(address: string, text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return { ...textMessage(address, text, providerId()), ...overrides };
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
  const settings = await loadTenantSettings(h.deps.db, seed.tenant_id);
  return h.deps.db.transaction((tx) =>
    applyInboundActions(tx, {
      channel: { tenantId: seed.tenant_id, id: seed.channels[type], type },
      event: { id: eventId, receivedAt },
      actions,
      settings,
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

/** Stores a provider event as the webhook does (any payload: the test's parser reads it); returns its id. */
export async function storeEvent(
  h: Harness,
  seed: SeedResult,
  type: ChannelKind,
  event: { key: string; payload: object; orderingKey?: string | null; receivedAt?: Date },
): Promise<number> {
  const result = await h.deps.db.query<{ id: number }>(
    `INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, ordering_key, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [seed.tenant_id, seed.channels[type], type, event.key, JSON.stringify(event.payload), event.orderingKey ?? null, event.receivedAt ?? h.clock.now()],
  );
  return Number(result.rows[0]!.id);
}

/** Runs the inbound processor once, as the pump does, with a parser of the test's own (hand-built actions). */
export async function processWith(h: Harness, parse: InboundParser, batchSize = 100): Promise<number> {
  const settled = await processPendingEvents(h.deps, h.clock.now(), { batchSize, parse, random: () => 1 });
  // Its events move into the log in the background: the test reads the log after this.
  await settleBackgroundMoves(h.deps.db);
  return settled;
}

/** Runs the processor until nothing is due. */
export async function processAllWith(h: Harness, parse: InboundParser, batchSize = 100): Promise<number> {
  let total = 0;
  for (let settled = await processWith(h, parse, batchSize); settled > 0; settled = await processWith(h, parse, batchSize)) total += settled;
  return total;
}

/** The stored events' processing state, in id order. */
export async function eventStates(
  h: Harness,
  tenantId: number,
  ids: number[],
): Promise<Array<{ id: number; outcome: string | null; processed: boolean; attempts: number; last_error: string | null; run_at: Date | null }>> {
  const result = await h.deps.db.query<any>(
    `SELECT id, outcome, processed_at IS NOT NULL AS processed, attempts, last_error, run_at FROM inbound_events
      WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY id`,
    [tenantId, ids],
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id) }));
}
