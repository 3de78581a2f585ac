import type { Queryable } from '../../platform/db/db.js';
import type { InboundProvider } from './inbound-event.js';

/** One provider event as the webhook stores it (docs/channels.md#inbound-webhooks). */
export interface NewInboundEvent {
  tenantId: number;
  channelId: number;
  provider: InboundProvider;
  eventKey: string;
  payload: object;
  /** `inbound:<tenant>:<channel>:<address>`: one customer's events are processed in receipt order. */
  orderingKey: string | null;
}

/** The change channel (Db.watchChanges) that wakes the inbound processor of every process when events are stored. */
export const INBOUND_CHANGE_CHANNEL = 'inbound';

/**
 * Stores the events of one webhook delivery in ONE statement (the webhook's hot path: one round trip, and a
 * statement outside a transaction commits as a whole); the stored events are the inbound processor's queue
 * (inbound-queue.repository.ts).
 *
 * - `ON CONFLICT DO NOTHING` on the event key makes a redelivery a no-op; a redelivery racing the first delivery
 *   waits for it to commit (and stores the event itself if that one rolled back).
 * - The advisory locks, taken first and in a fixed order, serialise the deliveries of one customer: their events get
 *   ids in commit order, so the processor applies them in receipt order (docs/channels.md#store-then-acknowledge).
 *
 * Returns the number of events stored now.
 */
export async function storeInboundEvents(db: Queryable, events: NewInboundEvent[], receivedAt: Date): Promise<number> {
  if (events.length === 0) return 0;
  const result = await db.query<{ stored: number }>(
    `WITH source AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                WITH ORDINALITY AS event(tenant_id, channel_id, provider, event_key, payload, ordering_key, position)),
     locked AS (
       SELECT count(pg_advisory_xact_lock(key)) AS locks
         FROM (SELECT DISTINCT hashtextextended(ordering_key, 0) AS key FROM source WHERE ordering_key IS NOT NULL ORDER BY 1) AS keys),
     inserted AS (
       INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, ordering_key, received_at)
       SELECT tenant_id, channel_id, provider, event_key, payload::jsonb, ordering_key, $7 FROM source
        WHERE (SELECT locks FROM locked) >= 0
        ORDER BY position
       ON CONFLICT (tenant_id, channel_id, event_key) DO NOTHING
       RETURNING id)
     SELECT count(*)::int AS stored FROM inserted`,
    [
      events.map((event) => event.tenantId),
      events.map((event) => event.channelId),
      events.map((event) => event.provider),
      events.map((event) => event.eventKey),
      events.map((event) => JSON.stringify(event.payload)),
      events.map((event) => event.orderingKey),
      receivedAt,
    ],
  );
  const stored = result.rows[0]?.stored ?? 0;
  // The statement has committed: the processors may look now.
  if (stored > 0) db.signalAfterCommit?.(INBOUND_CHANGE_CHANNEL);
  return stored;
}
