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
