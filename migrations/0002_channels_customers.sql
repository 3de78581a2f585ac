-- Channels and customers.
CREATE SEQUENCE channels_id_seq;
CREATE TABLE channels (
  tenant_id    bigint NOT NULL REFERENCES tenants (id),
  id           bigint NOT NULL DEFAULT nextval('channels_id_seq'),
  type         text NOT NULL CHECK (type IN ('whatsapp', 'instagram', 'telegram', 'website')),
  name         text NOT NULL,
  address      text NOT NULL,
  is_active    boolean NOT NULL DEFAULT true,
  -- Non-secret settings in clear; secrets encrypted one value at a time (channels.md §1.4).
  settings     jsonb NOT NULL DEFAULT '{}'::jsonb,
  secrets      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Global routing keys: a webhook names the provider account, not the tenant.
  routing_key  text,
  verify_token_digest text,
  created_at   timestamptz(0) NOT NULL DEFAULT now(),
  updated_at   timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX channels_routing ON channels (type, routing_key) WHERE is_active;
CREATE INDEX channels_verify_token ON channels (verify_token_digest) WHERE verify_token_digest IS NOT NULL;

CREATE SEQUENCE customers_id_seq;
CREATE TABLE customers (
  tenant_id           bigint NOT NULL REFERENCES tenants (id),
  id                  bigint NOT NULL DEFAULT nextval('customers_id_seq'),
  first_name          text,
  last_name           text,
  phone_number        text,
  email               text,
  date_of_birth       date,
  gender              text CHECK (gender IN ('male', 'female', 'other')),
  country_id          smallint REFERENCES countries (id),
  identity_number     text,
  job                 text,
  address             text,
  default_channel_id  bigint,
  avatar_url          text,
  related_user_id     bigint REFERENCES users (id),
  metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
  deleted_at          timestamptz(0),
  created_at          timestamptz(0) NOT NULL DEFAULT now(),
  updated_at          timestamptz(0) NOT NULL DEFAULT now(),
  -- Phone digits make "+90 555…", "0555…" and "555…" findable alike (api-directory.md §3.3).
  phone_digits        text GENERATED ALWAYS AS (regexp_replace(coalesce(phone_number, ''), '[^0-9]', '', 'g')) STORED,
  -- What conversation search matches on the customer side, lower-cased once (api-conversations.md §2.1).
  search_text         text GENERATED ALWAYS AS (lower(
                        coalesce(first_name, '') || ' ' || coalesce(last_name, '') || chr(1) ||
                        coalesce(phone_number, '') || chr(1) || coalesce(email, ''))) STORED,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, default_channel_id) REFERENCES channels (tenant_id, id)
);
CREATE UNIQUE INDEX customers_live_phone ON customers (tenant_id, phone_number) WHERE deleted_at IS NULL AND phone_number IS NOT NULL;
CREATE UNIQUE INDEX customers_live_email ON customers (tenant_id, lower(email)) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX customers_by_created ON customers (tenant_id, created_at DESC, id DESC);
CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);
CREATE INDEX customers_phone_digits_trgm ON customers USING gin (phone_digits gin_trgm_ops);
