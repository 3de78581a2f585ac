-- Issue #14: provider webhooks are stored before they are acknowledged (docs/channels.md#inbound).
--
-- One row per provider event (one message, one status, one update): the event's own JSON as the provider sent it,
-- with the envelope fields the parser needs (phone number id, contacts) copied beside it. The row and its
-- process_inbound job commit in the transaction that answers the webhook, so an acknowledged event is never lost;
-- (tenant_id, channel_id, event_key) makes a provider's redelivery a no-op.
CREATE SEQUENCE inbound_events_id_seq;
CREATE TABLE inbound_events (
  tenant_id     bigint NOT NULL REFERENCES tenants (id),
  id            bigint NOT NULL DEFAULT nextval('inbound_events_id_seq'),
  channel_id    bigint NOT NULL,
  provider      text NOT NULL CHECK (provider IN ('whatsapp', 'instagram', 'telegram', 'website')),
  -- `message:<wamid>`, `status:<wamid>:<status>`, `update:<update_id>` … (docs/channels.md#event-keys).
  event_key     text NOT NULL,
  payload       jsonb NOT NULL,
  -- Server receipt time: becomes the message's created_at, also when processed after a restart.
  received_at   timestamptz NOT NULL,
  processed_at  timestamptz,
  -- What processing did: `message`, `status`, `quarantined`, `ignored`, … (for operators; not an API field).
  outcome       text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id)
);
CREATE UNIQUE INDEX inbound_events_key ON inbound_events (tenant_id, channel_id, event_key);
