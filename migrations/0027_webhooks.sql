-- Outbound webhooks (docs/webhooks.md): endpoints, their deliveries, the copy of each delivered event's payload,
-- the per-tenant dispatch cursor, and permission 16 `webhooks.manage` for Owner and Admin.

INSERT INTO permissions (id, name) VALUES (16, 'webhooks.manage');
INSERT INTO system_role_permissions (role_name, permission_id) VALUES ('Owner', 16), ('Admin', 16);
-- Existing tenants' system roles get it too (new tenants copy system_role_permissions).
INSERT INTO role_permissions (tenant_id, role_id, permission_id)
  SELECT tenant_id, id, 16 FROM roles WHERE is_system AND name IN ('Owner', 'Admin')
  ON CONFLICT DO NOTHING;

CREATE SEQUENCE webhook_endpoints_id_seq;
CREATE TABLE webhook_endpoints (
  tenant_id                   bigint NOT NULL REFERENCES tenants (id),
  id                          bigint NOT NULL DEFAULT nextval('webhook_endpoints_id_seq'),
  url                         text NOT NULL,
  description                 text,
  event_types                 jsonb NOT NULL,
  enabled                     boolean NOT NULL,
  disabled_reason             text CHECK (disabled_reason IN ('manual', 'failing', 'gone')),
  disabled_at                 timestamptz(0),
  failing_since               timestamptz(0),
  -- AES-256-GCM ciphertexts (SecretBox, associated data webhook:<tenant>:<endpoint>); never the secret in clear.
  secret_sealed               text NOT NULL,
  previous_secret_sealed      text,
  previous_secret_expires_at  timestamptz(0),
  -- Events with a higher id are delivered: the log's head when the endpoint was created or last enabled.
  receives_after_event_id     bigint NOT NULL DEFAULT 0,
  deleted_at                  timestamptz(0),
  created_at                  timestamptz(0) NOT NULL,
  updated_at                  timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_endpoints_live ON webhook_endpoints (tenant_id, id) WHERE deleted_at IS NULL;

-- The Event resource of every event that got a delivery, kept while its deliveries are (the log itself is pruned
-- sooner than retries and redeliveries may need it).
CREATE TABLE webhook_event_payloads (
  tenant_id   bigint NOT NULL,
  event_id    bigint NOT NULL,
  type        text NOT NULL,
  event       jsonb NOT NULL,
  created_at  timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);

CREATE SEQUENCE webhook_deliveries_id_seq;
CREATE TABLE webhook_deliveries (
  tenant_id        bigint NOT NULL,
  id               bigint NOT NULL DEFAULT nextval('webhook_deliveries_id_seq'),
  endpoint_id      bigint NOT NULL,
  event_id         bigint NOT NULL,
  event_type       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz(3),
  -- The lease of a running attempt: another worker takes the delivery over once it passes (a crashed attempt).
  locked_by        text,
  locked_until     timestamptz(3),
  last_attempt_at  timestamptz(0),
  response_status  integer,
  response_body    text,
  latency_ms       integer,
  error            text,
  redelivery_of    bigint,
  created_at       timestamptz(0) NOT NULL,
  updated_at       timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id)
);
-- Dispatch makes one delivery per (event, endpoint); a redelivery waits for none pending of the same pair.
CREATE UNIQUE INDEX webhook_deliveries_dispatched ON webhook_deliveries (tenant_id, endpoint_id, event_id) WHERE redelivery_of IS NULL;
CREATE UNIQUE INDEX webhook_deliveries_one_pending ON webhook_deliveries (tenant_id, endpoint_id, event_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at);

-- How far each tenant's event log has been turned into deliveries; locked by the one dispatcher working on it.
CREATE TABLE webhook_dispatch_cursors (
  tenant_id           bigint PRIMARY KEY REFERENCES tenants (id),
  dispatched_through  bigint NOT NULL,
  updated_at          timestamptz(0) NOT NULL
);
