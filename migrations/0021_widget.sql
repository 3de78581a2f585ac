-- Issue #15: the website widget's public API (docs/channels.md#website-widget).
--
-- widget_sessions holds one row per visitor session: the visitor token is 32 random bytes shown once to the
-- browser and stored here only as its SHA-256 digest (a random token needs no slow hash), bound to one website
-- channel, and valid until 30 days after its last use. The session's address (`web-<12 characters>`) becomes the
-- conversation's address when the visitor writes first; its name and email fill the new customer.
CREATE SEQUENCE widget_sessions_id_seq;
CREATE TABLE widget_sessions (
  tenant_id     bigint NOT NULL REFERENCES tenants (id),
  id            bigint NOT NULL DEFAULT nextval('widget_sessions_id_seq'),
  channel_id    bigint NOT NULL,
  token_digest  text NOT NULL,
  address       text NOT NULL,
  name          text,
  email         text,
  last_used_at  timestamptz(0) NOT NULL,
  expires_at    timestamptz(0) NOT NULL,
  created_at    timestamptz(0) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id)
);
-- A request names no tenant: the token finds its session (global, like the channels' routing keys).
CREATE UNIQUE INDEX widget_sessions_token ON widget_sessions (token_digest);

-- The embed snippet names the channel by its widget key alone.
CREATE INDEX channels_widget_key ON channels ((settings ->> 'widget_key')) WHERE type = 'website';

-- Every message of a website conversation wakes the open streams of its visitor in every server process
-- (Db.watchChanges on `widget:<tenant>:<channel>:<address>`), whoever wrote it: a team reply, an AI suggestion
-- sent, the agent, the visitor in another tab. The NOTIFY is delivered at commit; the streams then read the
-- database, which stays the truth. One statement-level trigger with the inserted rows as a table: a bulk insert
-- (seeding, data loads) sends one notification per conversation, not one call per row.
CREATE FUNCTION widget_signal_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('flextell_changes', 'widget:' || c.tenant_id || ':' || c.channel_id || ':' || c.address)
     FROM (SELECT DISTINCT tenant_id, conversation_id FROM inserted WHERE provider = 'website') AS i
     JOIN conversations c ON c.tenant_id = i.tenant_id AND c.id = i.conversation_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_widget_signal AFTER INSERT ON messages REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION widget_signal_messages();
