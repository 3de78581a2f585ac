-- Indexes for the user directory (api-directory.md §4).
-- Emails are unique across ALL accounts, removed ones included (§4.1); users_email_unique only covers live accounts,
-- so the uniqueness check needs an index on every row to stay an index lookup.
CREATE INDEX users_email_lower ON users (lower(email));
-- Removing a member clears related_user_id on this tenant's customers (§4.7) without scanning all of them.
CREATE INDEX customers_by_related_user ON customers (tenant_id, related_user_id) WHERE related_user_id IS NOT NULL;
