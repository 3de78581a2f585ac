-- Channel blacklist, quarantine, AI suggestions, agent runs and the knowledge base.
CREATE SEQUENCE channel_blacklists_id_seq;
CREATE TABLE channel_blacklists (
  tenant_id            bigint NOT NULL REFERENCES tenants (id),
  id                   bigint NOT NULL DEFAULT nextval('channel_blacklists_id_seq'),
  channel_id           bigint NOT NULL,
  customer_id          bigint NOT NULL,
  reason               text NOT NULL CHECK (reason IN ('rate_limit', 'llm_spam', 'manual', 'security_threat', 'abusive_language')),
  note                 text,
  blocked_at           timestamptz(0) NOT NULL,
  expires_at           timestamptz(0),
  is_active            boolean NOT NULL DEFAULT true,
  metadata             jsonb NOT NULL DEFAULT '{}'::jsonb,
  quarantined_count    integer NOT NULL DEFAULT 0,
  last_quarantined_at  timestamptz(0),
  created_by_user_id   bigint,
  deleted_at           timestamptz(0),
  created_at           timestamptz(0) NOT NULL DEFAULT now(),
  updated_at           timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
-- "Active" depends on the clock, so it cannot be a unique index; this finds the live candidates fast.
CREATE INDEX channel_blacklists_live ON channel_blacklists (tenant_id, channel_id, customer_id) WHERE deleted_at IS NULL AND is_active;
CREATE INDEX channel_blacklists_by_created ON channel_blacklists (tenant_id, created_at DESC, id DESC);

CREATE SEQUENCE quarantined_messages_id_seq;
CREATE TABLE quarantined_messages (
  tenant_id            bigint NOT NULL REFERENCES tenants (id),
  id                   bigint NOT NULL DEFAULT nextval('quarantined_messages_id_seq'),
  blacklist_id         bigint NOT NULL,
  channel_id           bigint NOT NULL,
  customer_id          bigint NOT NULL,
  inbound_event_id     bigint,
  message_type         text NOT NULL,
  message              text,
  provider_message_id  text,
  received_at          timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, blacklist_id) REFERENCES channel_blacklists (tenant_id, id)
);
CREATE INDEX quarantined_by_entry ON quarantined_messages (tenant_id, blacklist_id, received_at DESC, id DESC);

CREATE SEQUENCE ai_suggestions_id_seq;
CREATE TABLE ai_suggestions (
  tenant_id             bigint NOT NULL REFERENCES tenants (id),
  id                    bigint NOT NULL DEFAULT nextval('ai_suggestions_id_seq'),
  conversation_id       bigint NOT NULL,
  agent_run_id          bigint,
  original_text         text NOT NULL,
  final_text            text,
  status                text NOT NULL DEFAULT 'pending',
  rating                text,
  pending_actions       jsonb NOT NULL DEFAULT '[]'::jsonb,
  trigger_message_ids   jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Newest message id when drafted: a later customer message makes has_new_messages true.
  last_seen_message_id  bigint,
  sent_message_id       bigint,
  sent_at               timestamptz(0),
  created_at            timestamptz(0) NOT NULL DEFAULT now(),
  updated_at            timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE UNIQUE INDEX ai_suggestions_one_pending ON ai_suggestions (tenant_id, conversation_id) WHERE status = 'pending';

CREATE SEQUENCE agent_runs_id_seq;
CREATE TABLE agent_runs (
  tenant_id            bigint NOT NULL REFERENCES tenants (id),
  id                   bigint NOT NULL DEFAULT nextval('agent_runs_id_seq'),
  conversation_id      bigint NOT NULL,
  mode                 text NOT NULL,
  trigger_message_ids  jsonb NOT NULL DEFAULT '[]'::jsonb,
  provider             text,
  model                text,
  outcome              text,
  latency_ms           integer,
  prompt_tokens        integer,
  completion_tokens    integer,
  error                text,
  created_at           timestamptz(0) NOT NULL DEFAULT now(),
  finished_at          timestamptz(0),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE INDEX agent_runs_by_conversation ON agent_runs (tenant_id, conversation_id, id DESC);

CREATE SEQUENCE knowledge_articles_id_seq;
CREATE TABLE knowledge_articles (
  tenant_id   bigint NOT NULL REFERENCES tenants (id),
  id          bigint NOT NULL DEFAULT nextval('knowledge_articles_id_seq'),
  title       text NOT NULL,
  body        text NOT NULL,
  language    text NOT NULL DEFAULT 'english',
  deleted_at  timestamptz(0),
  created_at  timestamptz(0) NOT NULL DEFAULT now(),
  updated_at  timestamptz(0) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX knowledge_articles_trgm ON knowledge_articles USING gin ((lower(title || ' ' || body)) gin_trgm_ops);
