-- Exact message-list totals per conversation, the reply-window lookup, and the audit of message edits.
ALTER TABLE conversations ADD COLUMN message_count integer NOT NULL DEFAULT 0;
UPDATE conversations c SET message_count = (SELECT count(*) FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id);

-- The reply window runs from the latest customer message (channels.md §7.5).
CREATE INDEX messages_customer_latest ON messages (tenant_id, conversation_id, created_at DESC) WHERE is_customer;

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
