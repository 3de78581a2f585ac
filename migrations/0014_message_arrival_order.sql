-- Deep message pages without walking OFFSET rows (api-conversations.md §3.1 lists newest first by created_at, id).
-- A message sent through the API gets `seq`, its conversation's arrival number (1, 2, 3 … assigned under the
-- conversation lock together with message_count). While every message of a conversation was numbered that way and
-- none arrived older than one already there, arrival order is exactly the list order, so page N is the range
-- seq ∈ (total − offset − per_page, total − offset]: fifteen index entries at any depth. The flag below says
-- whether that holds; anything else that writes messages (imports, seeds, hand-written SQL, deletes, a changed
-- created_at) clears it through the triggers, and the list falls back to OFFSET.
ALTER TABLE messages ADD COLUMN seq bigint;
-- Existing conversations were never numbered; conversations created from now on start ordered.
ALTER TABLE conversations ADD COLUMN messages_arrival_ordered boolean NOT NULL DEFAULT false;
ALTER TABLE conversations ALTER COLUMN messages_arrival_ordered SET DEFAULT true;
CREATE INDEX messages_by_arrival ON messages (tenant_id, conversation_id, seq) WHERE seq IS NOT NULL;

-- Row-level with a WHEN clause, so the send path (which numbers its message) never calls the function.
CREATE FUNCTION messages_inserted_unnumbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET messages_arrival_ordered = false
   WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.conversation_id AND c.messages_arrival_ordered;
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_arrival_on_insert AFTER INSERT ON messages FOR EACH ROW WHEN (NEW.seq IS NULL)
  EXECUTE FUNCTION messages_inserted_unnumbered();

CREATE FUNCTION messages_deleted_unnumbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET messages_arrival_ordered = false
    FROM (SELECT DISTINCT tenant_id, conversation_id FROM deleted) x
   WHERE c.tenant_id = x.tenant_id AND c.id = x.conversation_id AND c.messages_arrival_ordered;
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_arrival_on_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION messages_deleted_unnumbered();

CREATE FUNCTION messages_moved_unnumbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET messages_arrival_ordered = false
   WHERE c.messages_arrival_ordered
     AND ((c.tenant_id = OLD.tenant_id AND c.id = OLD.conversation_id) OR (c.tenant_id = NEW.tenant_id AND c.id = NEW.conversation_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_arrival_on_move AFTER UPDATE ON messages FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.conversation_id IS DISTINCT FROM NEW.conversation_id
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
  EXECUTE FUNCTION messages_moved_unnumbered();
