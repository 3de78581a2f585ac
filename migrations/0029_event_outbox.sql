-- Issue #17: events are numbered after commit (docs/events.md#ids). A writing transaction stages its events here,
-- with no lock on the tenant's head row; right after its commit one writer per tenant at a time moves the committed
-- rows into `events`, taking the next ids from `event_heads` in (batch, position) order. Sends of one tenant no
-- longer wait for each other's commit, and the log keeps "visible in id order": only that writer assigns ids, and
-- each of its moves commits before the next begins.
CREATE SEQUENCE event_outbox_batches;

CREATE TABLE event_outbox (
  tenant_id    bigint NOT NULL,
  -- One value per writing transaction (its first staging statement draws it): a transaction's events stay together
  -- and keep their order, and a transaction that began after another's commit sorts after it.
  batch        bigint NOT NULL,
  position     integer NOT NULL,
  type         text NOT NULL,
  occurred_at  timestamptz(3) NOT NULL,
  actor_type   text NOT NULL CHECK (actor_type IN ('user', 'application', 'agent', 'customer', 'system')),
  actor_id     bigint,
  actor_name   text,
  data         jsonb NOT NULL,
  PRIMARY KEY (tenant_id, batch, position)
);
