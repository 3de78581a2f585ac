-- The authorization server's browser side and token families (oauth.md §4, §5, §6).
-- Sessions start anonymous (§4.1): the user is bound only when the login succeeds.
ALTER TABLE login_sessions ALTER COLUMN user_id DROP NOT NULL;
CREATE INDEX login_sessions_by_user ON login_sessions (user_id) WHERE user_id IS NOT NULL AND revoked_at IS NULL;

-- A reused code revokes the tokens of its first use (RFC 6749 §4.1.2): the code remembers the family it started.
ALTER TABLE authorization_codes ADD COLUMN family_id text;

CREATE TABLE authorization_requests (
  id_hash           text PRIMARY KEY,
  session_id_hash   text NOT NULL,
  client_id         uuid NOT NULL,
  redirect_uri      text NOT NULL,
  scopes            text NOT NULL,
  state             text,
  code_challenge    text,
  used_at           timestamptz(0),
  expires_at        timestamptz(0) NOT NULL,
  created_at        timestamptz(0) NOT NULL DEFAULT now()
);

CREATE TABLE login_failures (
  key         text NOT NULL,
  failed_at   timestamptz(0) NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, failed_at);

CREATE INDEX refresh_tokens_by_client ON refresh_tokens (client_id) WHERE revoked_at IS NULL;
CREATE INDEX access_tokens_by_client ON access_tokens (client_id) WHERE revoked_at IS NULL;
