-- The per-tenant event log (docs/events.md): every change a client can observe appends an event in the transaction
-- that makes it. Ids are per tenant and consecutive; `event_heads` holds each tenant's last assigned id and is
-- updated as the last statement of every transaction that writes events, so events become visible in id order.
CREATE TABLE event_heads (
  tenant_id       bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  -- The last id ever assigned (0 before the first event); ids are never reused.
  last_id         bigint NOT NULL DEFAULT 0,
  -- The highest id the retention job has deleted: a cursor below it has missed events.
  pruned_through  bigint NOT NULL DEFAULT 0
);

CREATE TABLE events (
  tenant_id    bigint NOT NULL,
  id           bigint NOT NULL,
  type         text NOT NULL,
  occurred_at  timestamptz(3) NOT NULL,
  actor_type   text NOT NULL CHECK (actor_type IN ('user', 'application', 'agent', 'customer', 'system')),
  actor_id     bigint,
  actor_name   text,
  -- The resource as the API renders it, signed links left to be made when the event is written out.
  data         jsonb NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Retention finds each tenant's events older than the cut-off through this index.
CREATE INDEX events_occurred_at ON events (occurred_at);
