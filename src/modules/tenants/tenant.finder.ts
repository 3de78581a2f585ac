import type { Queryable } from '../../platform/db/db.js';

/** A tenant as the account's tenant list shows it, with the caller's role names there (null for an application). */
export interface AccountTenantRow {
  id: number;
  name: string;
  logo_url: string | null;
  roles: string[] | null;
}

/** The tenant an application belongs to. */
export async function listApplicationTenant(db: Queryable, tenantId: number): Promise<AccountTenantRow[]> {
  const result = await db.query<AccountTenantRow>('SELECT id, name, logo_url, NULL AS roles FROM tenants WHERE id = $1', [tenantId]);
  return result.rows;
}

/** Tenants where the user is a live, active member (only `boundTenantId` when given), by id. */
export async function listMemberTenants(db: Queryable, userId: number, boundTenantId: number | null): Promise<AccountTenantRow[]> {
  const result = await db.query<AccountTenantRow>(
    `SELECT t.id, t.name, t.logo_url,
            (SELECT array_agg(r.name ORDER BY r.id) FROM membership_roles mr
               JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
              WHERE mr.tenant_id = t.id AND mr.user_id = m.user_id) AS roles
       FROM memberships m JOIN tenants t ON t.id = m.tenant_id
      WHERE m.user_id = $1 AND m.deleted_at IS NULL AND m.is_active
        AND ($2::bigint IS NULL OR t.id = $2::bigint)
      ORDER BY t.id`,
    [userId, boundTenantId],
  );
  return result.rows;
}

/** Names of the tenants where the user is a live, active member, alphabetically (at most 50: the consent page). */
export async function listMemberTenantNames(db: Queryable, userId: number): Promise<string[]> {
  const tenants = await db.query<{ name: string }>(
    `SELECT t.name FROM memberships m JOIN tenants t ON t.id = m.tenant_id
      WHERE m.user_id = $1 AND m.deleted_at IS NULL AND m.is_active ORDER BY t.name LIMIT 50`,
    [userId],
  );
  return tenants.rows.map((row) => row.name);
}

/** Tenants where the user's live, active membership holds the permission, by name then id. */
export async function listTenantsWithPermission(db: Queryable, userId: number, permissionId: number): Promise<Array<{ id: number; name: string }>> {
  const result = await db.query<{ id: number; name: string }>(
    `SELECT DISTINCT t.id, t.name FROM memberships m
       JOIN tenants t ON t.id = m.tenant_id
       JOIN membership_roles mr ON mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id
       JOIN role_permissions rp ON rp.tenant_id = mr.tenant_id AND rp.role_id = mr.role_id
      WHERE m.user_id = $1 AND m.deleted_at IS NULL AND m.is_active AND rp.permission_id = $2
      ORDER BY t.name, t.id`,
    [userId, permissionId],
  );
  return result.rows.map((row) => ({ id: Number(row.id), name: row.name }));
}
