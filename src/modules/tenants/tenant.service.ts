import type { Queryable } from '../../platform/db/db.js';
import { SYSTEM_ROLES, type SystemRole } from '../roles/permissions.js';

/**
 * Creates a tenant with its four system roles and their permissions (api-directory.md §2.2), inside the
 * caller's transaction. Roles are inserted one by one so their ids ascend in the documented order.
 */
export async function createTenant(tx: Queryable, name: string, now: Date): Promise<{ tenantId: number; roleIds: Record<SystemRole, number> }> {
  const tenant = await tx.query<{ id: number }>(
    'INSERT INTO tenants (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id',
    [name, now],
  );
  const tenantId = tenant.rows[0]!.id;
  const roleIds = {} as Record<SystemRole, number>;
  for (const role of SYSTEM_ROLES) {
    const inserted = await tx.query<{ id: number }>(
      'INSERT INTO roles (tenant_id, name, is_system, created_at, updated_at) VALUES ($1, $2, true, $3, $3) RETURNING id',
      [tenantId, role, now],
    );
    roleIds[role] = inserted.rows[0]!.id;
  }
  await tx.query(
    `INSERT INTO role_permissions (tenant_id, role_id, permission_id)
     SELECT r.tenant_id, r.id, s.permission_id FROM roles r JOIN system_role_permissions s ON s.role_name = r.name
      WHERE r.tenant_id = $1 AND r.is_system`,
    [tenantId],
  );
  return { tenantId, roleIds };
}

export async function addMember(tx: Queryable, tenantId: number, userId: number, roleIds: number[], now: Date): Promise<void> {
  await tx.query(
    'INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, true, $3, $3)',
    [tenantId, userId, now],
  );
  for (const roleId of roleIds) {
    await tx.query('INSERT INTO membership_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)', [tenantId, userId, roleId]);
  }
}
