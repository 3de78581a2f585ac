-- Issue #14: stored provider events are their own queue; no process_inbound job per event any more.
--
-- Processing one event per job cost about ten statements and four commits per event (job claim, reads, the work,
-- the job's deletion), which capped processing near 600 events/s while webhooks arrived at 1,500/s
-- (bench/RESULTS.md, bench:ingest). Now the webhook stores only the event, with the customer's ordering key, and
-- the inbound processor claims pending events a hundred at a time with FOR UPDATE SKIP LOCKED and applies them in
-- one transaction (docs/channels.md#processing-inbound-events). The claim keeps one customer's events in receipt
-- order: an event is taken only when no earlier unprocessed event of its key is left out of the batch.
ALTER TABLE inbound_events ADD COLUMN ordering_key text;
-- Failed attempts: the event is retried at run_at (NULL = due now), and after the last attempt it is set processed
-- with outcome `failed` and last_error kept, so it no longer holds up its customer's later events.
ALTER TABLE inbound_events ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE inbound_events ADD COLUMN run_at timestamptz;
ALTER TABLE inbound_events ADD COLUMN last_error text;

-- Events still waiting for their job take over its ordering key; an event whose job is dead is settled as failed.
UPDATE inbound_events e SET ordering_key = j.ordering_key
  FROM jobs j
 WHERE j.type = 'process_inbound' AND j.tenant_id = e.tenant_id AND (j.payload->>'event_id')::bigint = e.id
   AND e.processed_at IS NULL AND j.status <> 'dead';
UPDATE inbound_events e SET processed_at = now(), outcome = 'failed', last_error = j.last_error, attempts = j.attempts
  FROM jobs j
 WHERE j.type = 'process_inbound' AND j.tenant_id = e.tenant_id AND (j.payload->>'event_id')::bigint = e.id
   AND e.processed_at IS NULL AND j.status = 'dead';
DELETE FROM jobs WHERE type = 'process_inbound';

-- The processor's claim walks pending events in id order, and checks each key for an earlier pending event.
CREATE INDEX inbound_events_pending ON inbound_events (id) WHERE processed_at IS NULL;
CREATE INDEX inbound_events_pending_by_key ON inbound_events (tenant_id, ordering_key, id) WHERE processed_at IS NULL;
