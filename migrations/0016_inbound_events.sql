-- Issue #14: provider webhooks are stored before they are acknowledged (docs/channels.md#inbound).
--
-- inbound_events (created empty by migration 0005) holds one row per provider event (one message, one status, one
-- update): the event's own JSON as the provider sent it, with the envelope fields the parser needs (phone number id,
-- contacts) copied beside it. The row and its process_inbound job commit in the transaction that answers the
-- webhook, so an acknowledged event is never lost; the unique (tenant_id, channel_id, event_key) of 0005 makes a
-- provider's redelivery a no-op. Event keys: `message:<wamid>`, `status:<wamid>:<status>`, `update:<update_id>` …
ALTER TABLE inbound_events ADD COLUMN provider text NOT NULL CHECK (provider IN ('whatsapp', 'instagram', 'telegram', 'website'));
-- Server receipt time, to the microsecond: it orders a customer's events and becomes the message's created_at,
-- also when the event is processed after a restart.
ALTER TABLE inbound_events ALTER COLUMN received_at TYPE timestamptz;
ALTER TABLE inbound_events ALTER COLUMN received_at DROP DEFAULT;
ALTER TABLE inbound_events ALTER COLUMN processed_at TYPE timestamptz;
-- What processing did: `message`, `status`, `quarantined`, `ignored`, … (for operators; not an API field).
ALTER TABLE inbound_events ADD COLUMN outcome text;
ALTER TABLE inbound_events ADD FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
