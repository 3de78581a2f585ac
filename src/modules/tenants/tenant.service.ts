import type { Queryable } from '../../platform/db/db.js';
import { SYSTEM_ROLES, type SystemRole } from '../roles/permissions.js';
import { addMember as insertMemberWithRoles } from '../users/membership.repository.js';
import { grantSystemRolePermissions, insertSystemRole, insertTenant } from './tenant.repository.js';

/**
 * Creates a tenant with its four system roles and their permissions (docs/request-checks.md#owner-protection), inside the
 * caller's transaction. Roles are inserted one by one so their ids ascend in the documented order.
 */
export async function createTenant(tx: Queryable, name: string, now: Date): Promise<{ tenantId: number; roleIds: Record<SystemRole, number> }> {
  const tenantId = await insertTenant(tx, name, now);
  const roleIds = {} as Record<SystemRole, number>;
  for (const role of SYSTEM_ROLES) roleIds[role] = await insertSystemRole(tx, tenantId, role, now);
  await grantSystemRolePermissions(tx, tenantId);
  return { tenantId, roleIds };
}

export async function addMember(tx: Queryable, tenantId: number, userId: number, roleIds: number[], now: Date): Promise<void> {
  await insertMemberWithRoles(tx, tenantId, userId, roleIds, now);
}
