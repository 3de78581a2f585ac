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

/** The events of one webhook delivery, received at one moment. */
export interface InboundDelivery {
  events: NewInboundEvent[];
  receivedAt: Date;
}

/**
 * Stores the events of several webhook deliveries in ONE statement (the webhook's hot path: one round trip and one
 * commit for all the deliveries that waited for it, InboundEventWriter); the stored events are the inbound
 * processor's queue (inbound-queue.repository.ts).
 *
 * - `ON CONFLICT DO NOTHING` on the event key makes a redelivery a no-op, also when it is in the same statement (the
 *   earlier delivery keeps the event); a redelivery racing the first delivery waits for it to commit (and stores the
 *   event itself if that one rolled back).
 * - The advisory locks, taken first and in a fixed order, serialise the deliveries of one customer: their events get
 *   ids in commit order, and in delivery order within the statement, so the processor applies them in receipt order
 *   (docs/channels.md#store-then-acknowledge).
 *
 * Returns the number of events each delivery stored now.
 */
export async function storeInboundDeliveries(db: Queryable, deliveries: InboundDelivery[]): Promise<number[]> {
  const rows = deliveries.flatMap((delivery, index) => delivery.events.map((event) => ({ event, index, receivedAt: delivery.receivedAt })));
  const stored = deliveries.map(() => 0);
  if (rows.length === 0) return stored;
  const result = await db.query<{ delivery: number }>(
    `WITH source AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::int[])
                WITH ORDINALITY AS event(tenant_id, channel_id, provider, event_key, payload, ordering_key, received_at, delivery, position)),
     locked AS (
       SELECT count(pg_advisory_xact_lock(key)) AS locks
         FROM (SELECT DISTINCT hashtextextended(ordering_key, 0) AS key FROM source WHERE ordering_key IS NOT NULL ORDER BY 1) AS keys),
     inserted AS (
       INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, ordering_key, received_at)
       SELECT tenant_id, channel_id, provider, event_key, payload::jsonb, ordering_key, received_at FROM source
        WHERE (SELECT locks FROM locked) >= 0
        ORDER BY position
       ON CONFLICT (tenant_id, channel_id, event_key) DO NOTHING
       RETURNING tenant_id, channel_id, event_key)
     SELECT min(source.delivery) AS delivery FROM inserted
       JOIN source USING (tenant_id, channel_id, event_key)
      GROUP BY inserted.tenant_id, inserted.channel_id, inserted.event_key`,
    [
      rows.map(({ event }) => event.tenantId),
      rows.map(({ event }) => event.channelId),
      rows.map(({ event }) => event.provider),
      rows.map(({ event }) => event.eventKey),
      rows.map(({ event }) => JSON.stringify(event.payload)),
      rows.map(({ event }) => event.orderingKey),
      rows.map(({ receivedAt }) => receivedAt),
      rows.map(({ index }) => index),
    ],
  );
  for (const row of result.rows) stored[row.delivery]! += 1;
  // The statement has committed: the processors may look now.
  if (result.rows.length > 0) db.signalAfterCommit?.(INBOUND_CHANGE_CHANNEL);
  return stored;
}
