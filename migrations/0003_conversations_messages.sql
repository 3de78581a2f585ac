-- Conversations, messages, files, and the exact list counters.
CREATE SEQUENCE conversations_id_seq;
CREATE TABLE conversations (
  tenant_id                    bigint NOT NULL REFERENCES tenants (id),
  id                           bigint NOT NULL DEFAULT nextval('conversations_id_seq'),
  channel_id                   bigint NOT NULL,
  -- Copied from the channel (its type never changes) so the channel_type filter pages from one index.
  channel_type                 text NOT NULL,
  customer_id                  bigint NOT NULL,
  address                      text NOT NULL,
  -- Uniqueness key of (channel, address): the address, or on WhatsApp its digits when it has any.
  address_key                  text NOT NULL,
  last_message_id              bigint,
  last_message                 text,
  last_message_at              timestamptz(0),
  last_message_type            text,
  last_message_is_customer     boolean,
  unread_count                 integer NOT NULL DEFAULT 0,
  -- Exact message-list total, kept in the same transaction as message inserts.
  message_count                integer NOT NULL DEFAULT 0,
  -- A pause is in effect while agent_paused and (agent_expires_at IS NULL OR agent_expires_at > now).
  agent_paused                 boolean NOT NULL DEFAULT false,
  agent_expires_at             timestamptz(0),
  agent_disabled_by_user_id    bigint,
  agent_disabled_by_name       text,
  created_at                   timestamptz(0) NOT NULL DEFAULT now(),
  updated_at                   timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE UNIQUE INDEX conversations_channel_address ON conversations (tenant_id, channel_id, address_key);
-- The inbox order; page ids come from these alone (index-only scans), rows are joined afterwards.
CREATE INDEX conversations_inbox ON conversations (tenant_id, last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX conversations_inbox_by_type ON conversations (tenant_id, channel_type, last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX conversations_by_customer ON conversations (tenant_id, customer_id);
CREATE INDEX conversations_address_trgm ON conversations USING gin (lower(address) gin_trgm_ops);

-- Exact list totals per (tenant, channel type), written in the same transaction as the conversation.
CREATE TABLE conversation_counts (
  tenant_id     bigint NOT NULL REFERENCES tenants (id),
  channel_type  text NOT NULL,
  total         bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, channel_type)
);

CREATE SEQUENCE files_id_seq;
CREATE TABLE files (
  tenant_id      bigint NOT NULL REFERENCES tenants (id),
  id             bigint NOT NULL DEFAULT nextval('files_id_seq'),
  name           text NOT NULL,
  description    text,
  type           text NOT NULL,
  mime_type      text NOT NULL,
  size           bigint NOT NULL,
  storage_key    text NOT NULL,
  thumbnail_key  text,
  group_id       text,
  fileable_type  text NOT NULL,
  fileable_id    bigint NOT NULL,
  deleted_at     timestamptz(0),
  created_at     timestamptz(0) NOT NULL DEFAULT now(),
  updated_at     timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX files_by_owner ON files (tenant_id, fileable_type, fileable_id);

CREATE SEQUENCE messages_id_seq;
CREATE TABLE messages (
  tenant_id             bigint NOT NULL REFERENCES tenants (id),
  id                    bigint NOT NULL DEFAULT nextval('messages_id_seq'),
  conversation_id       bigint NOT NULL,
  channel_id            bigint NOT NULL,
  user_id               bigint,
  user_name             text,
  application_id        bigint,
  is_customer           boolean NOT NULL,
  message_type          text NOT NULL,
  message               text,
  quoted_message_id     bigint,
  is_deleted            boolean NOT NULL DEFAULT false,
  is_edited             boolean NOT NULL DEFAULT false,
  edited_by_user_name   text,
  deleted_by_user_name  text,
  read_at               timestamptz(0),
  source                text NOT NULL,
  provider              text NOT NULL,
  provider_message_id   text,
  provider_timestamp    timestamptz(0),
  delivery_status       text CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'read', 'failed')),
  failure_reason        text,
  delivery_updated_at   timestamptz(0),
  -- Keys of the metadata text beyond the fixed ones (api-conversations.md §1.4), in their order.
  extra_metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  file_id               bigint,
  created_at            timestamptz(0) NOT NULL DEFAULT now(),
  updated_at            timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id),
  FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX messages_by_conversation ON messages (tenant_id, conversation_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX messages_provider_id ON messages (tenant_id, channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_unread ON messages (tenant_id, conversation_id) WHERE is_customer AND read_at IS NULL AND NOT is_deleted;
-- The reply window runs from the latest customer message (channels.md §7.5).
CREATE INDEX messages_customer_latest ON messages (tenant_id, conversation_id, created_at DESC) WHERE is_customer;

-- The audit of message edits (the previous text is kept, not exposed in this version).
CREATE SEQUENCE message_edits_id_seq;
CREATE TABLE message_edits (
  tenant_id          bigint NOT NULL REFERENCES tenants (id),
  id                 bigint NOT NULL DEFAULT nextval('message_edits_id_seq'),
  message_id         bigint NOT NULL,
  previous_text      text,
  edited_by_user_id  bigint,
  edited_by_name     text NOT NULL,
  edited_at          timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id)
);
