-- Issue #14: Telegram's webhook URL names its channel by id alone (POST /webhooks/telegram/{channel_id}), before any
-- tenant is known, so that lookup needs an index of its own: ids come from one global sequence, and the primary key
-- (tenant_id, id) cannot serve it (docs/channels.md#telegram).
CREATE INDEX channels_by_id ON channels (id);
