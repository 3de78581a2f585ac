-- The periodic OAuth cleanup (oauth_cleanup job) finds what has expired by index instead of scanning the tables.
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
-- A retired signing key stays published while an unrevoked token it signed is unexpired (oauth.md §9).
CREATE INDEX access_tokens_live_by_kid ON access_tokens (kid, expires_at) WHERE revoked_at IS NULL;
-- The one unrotated token of a family is its newest: when it expires, the whole family is past any use.
CREATE INDEX refresh_tokens_head_by_expiry ON refresh_tokens (expires_at) WHERE rotated_at IS NULL;
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
CREATE INDEX authorization_requests_by_expiry ON authorization_requests (expires_at);
CREATE INDEX login_sessions_by_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_by_last_seen ON login_sessions (last_seen_at);
CREATE INDEX login_failures_by_time ON login_failures (failed_at);
-- Revoking an account's refresh tokens (password change, last membership lost) finds them by user.
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
