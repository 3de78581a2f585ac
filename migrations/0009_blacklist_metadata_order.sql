-- Blacklist metadata is a client's free JSON object, returned as written (api.md §7.4 "text is returned as stored";
-- api-directory.md §8.6 merges new keys after the stored ones). jsonb re-sorts object keys, so keep the text as json.
ALTER TABLE channel_blacklists ALTER COLUMN metadata DROP DEFAULT;
ALTER TABLE channel_blacklists ALTER COLUMN metadata TYPE json USING metadata::json;
ALTER TABLE channel_blacklists ALTER COLUMN metadata SET DEFAULT '{}'::json;

-- GET /channel-blacklists?customer_id=… (api-directory.md §8.7): a customer's listed entries, newest first.
CREATE INDEX channel_blacklists_by_customer ON channel_blacklists (tenant_id, customer_id, id DESC) WHERE deleted_at IS NULL;
