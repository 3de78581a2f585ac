import type { Queryable } from '../../platform/db/db.js';
import { enqueueSql } from '../../platform/jobs/job-queue.js';
import type { InboundProvider } from './inbound-event.js';
import { processInboundJob } from './process-inbound.job.js';

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

/**
 * Stores the events of one webhook delivery and, for those not stored before, their process_inbound jobs, in ONE
 * statement (the webhook's hot path: one round trip, and a statement outside a transaction commits as a whole).
 *
 * - `ON CONFLICT DO NOTHING` on the event key makes a redelivery a no-op; a redelivery racing the first delivery
 *   waits for it to commit (and stores the event itself if that one rolled back).
 * - The advisory locks, taken first and in a fixed order, serialise the deliveries of one customer: their events and
 *   jobs get ids in commit order, so the job queue runs them in receipt order (docs/jobs-and-delivery.md#ordering).
 *
 * Returns the number of events stored now.
 */
export async function storeInboundEvents(db: Queryable, events: NewInboundEvent[], receivedAt: Date): Promise<number> {
  if (events.length === 0) return 0;
  // enqueueSql registers the workers' wake-up on the Queryable it is given; this statement commits when it
  // returns, so the wake-up is handed to `db` only then.
  const wakeups: string[] = [];
  const statement: Queryable = { query: (sql, params) => db.query(sql, params), signalAfterCommit: (channel) => void wakeups.push(channel) };
  const jobs = enqueueSql(statement, processInboundJob, {
    tenantId: 'inserted.tenant_id',
    payload: { event_id: 'inserted.id' },
    orderingKey: 'source.ordering_key',
    runAt: '$7',
    from: 'inserted JOIN source ON source.tenant_id = inserted.tenant_id AND source.channel_id = inserted.channel_id AND source.event_key = inserted.event_key ORDER BY inserted.id',
  });
  const result = await db.query<{ stored: number }>(
    `WITH source AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                WITH ORDINALITY AS event(tenant_id, channel_id, provider, event_key, payload, ordering_key, position)),
     locked AS (
       SELECT count(pg_advisory_xact_lock(key)) AS locks
         FROM (SELECT DISTINCT hashtextextended(ordering_key, 0) AS key FROM source WHERE ordering_key IS NOT NULL ORDER BY 1) AS keys),
     inserted AS (
       INSERT INTO inbound_events (tenant_id, channel_id, provider, event_key, payload, received_at)
       SELECT tenant_id, channel_id, provider, event_key, payload::jsonb, $7 FROM source
        WHERE (SELECT locks FROM locked) >= 0
        ORDER BY position
       ON CONFLICT (tenant_id, channel_id, event_key) DO NOTHING
       RETURNING tenant_id, id, channel_id, event_key),
     queued AS (${jobs})
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
  for (const channel of wakeups) db.signalAfterCommit?.(channel);
  return result.rows[0]?.stored ?? 0;
}
