-- Channel management (docs/channels.md#channel-management): a provider account (WhatsApp phone_number_id, Instagram
-- account_id, Telegram bot id) routes to at most one live channel across all tenants. A unique partial index, not
-- only a check in the service, so two concurrent creates cannot both win; it replaces the plain routing index.
CREATE UNIQUE INDEX channels_live_routing_key ON channels (type, routing_key) WHERE is_active;
DROP INDEX channels_routing;
