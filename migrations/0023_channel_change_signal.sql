-- Issue #14: every write of `channels` signals the change channel `channels` (the function of migration 0013).
--
-- The provider webhooks look their channel up by routing key (or, for Telegram, by id) on every delivery; the
-- lookups are kept in a cache that every process drops when this signal arrives (webhook-channel.finder.ts,
-- docs/channels.md#inbound-webhooks), which saves the webhook one of its two round trips. Channels change rarely.
CREATE TRIGGER channels_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON channels
  FOR EACH STATEMENT EXECUTE FUNCTION flextell_signal_change('channels');
