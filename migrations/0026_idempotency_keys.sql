-- Issue #17 part 5: `Idempotency-Key` on every POST under /api/v1 (docs/idempotency.md).
--
-- One row per key in its scope (tenant, token subject, client_id, key). While a request runs, `claim` holds its
-- random claim id and `lease_until` the end of its 60-second lease; the request's own transaction fills `status`,
-- `content_type` and `body` (AES-256-GCM, AAD `idempotency:<tenant_id>:<id>`) and clears the claim. A row past
-- `expires_at` (24 hours after the first request) is free for a new request and deleted by the cleanup job.
CREATE SEQUENCE idempotency_keys_id_seq;
CREATE TABLE idempotency_keys (
  tenant_id       bigint NOT NULL REFERENCES tenants (id),
  id              bigint NOT NULL DEFAULT nextval('idempotency_keys_id_seq'),
  subject         text NOT NULL,
  client_id       text NOT NULL,
  idempotency_key text NOT NULL,
  -- SHA-256 of method, path and body fingerprint (docs/idempotency.md#the-same-request).
  request_hash    text NOT NULL,
  claim           text,
  lease_until     timestamptz(0),
  status          integer,
  content_type    text,
  body            text,
  created_at      timestamptz(0) NOT NULL,
  expires_at      timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  CHECK ((claim IS NULL) = (status IS NOT NULL))
);
CREATE UNIQUE INDEX idempotency_keys_scope ON idempotency_keys (tenant_id, subject, client_id, idempotency_key);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
