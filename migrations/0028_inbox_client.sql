-- The built-in public client of the agent inbox has the client_id `flextell-inbox`, not a uuid (docs/inbox.md#sign-in):
-- the token tables keep a client_id as text so codes, tokens and requests of that client can be stored like any other.
ALTER TABLE access_tokens ALTER COLUMN client_id TYPE text USING client_id::text;
ALTER TABLE refresh_tokens ALTER COLUMN client_id TYPE text USING client_id::text;
ALTER TABLE authorization_codes ALTER COLUMN client_id TYPE text USING client_id::text;
ALTER TABLE authorization_requests ALTER COLUMN client_id TYPE text USING client_id::text;
-- A token's record joins its application by that text (src/modules/oauth/access-token.repository.ts).
CREATE UNIQUE INDEX oauth_clients_client_id_text ON oauth_clients ((client_id::text));
