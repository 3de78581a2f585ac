-- Servers cache each member's tenant access (api-directory.md §2.2 allows "a cache invalidated by role changes").
-- Every statement that can change who may do what in a tenant signals it, so no code path can forget to:
--   * NOTIFY reaches every server process listening on flextell_changes once the transaction commits;
--   * the NOTICE reaches the connection that made the change before its statement returns, so the process that
--     made the change drops its cache at commit, before it answers (its own next request must see the change).
CREATE FUNCTION flextell_signal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('flextell_changes', TG_ARGV[0]);
  RAISE NOTICE USING MESSAGE = 'flextell_changed:' || TG_ARGV[0];
  RETURN NULL;
END
$$;

CREATE TRIGGER memberships_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION flextell_signal_change('access');
CREATE TRIGGER membership_roles_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON membership_roles
  FOR EACH STATEMENT EXECUTE FUNCTION flextell_signal_change('access');
CREATE TRIGGER role_permissions_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_permissions
  FOR EACH STATEMENT EXECUTE FUNCTION flextell_signal_change('access');
