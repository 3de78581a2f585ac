import type { Queryable } from '../../platform/db/db.js';

/**
 * SQL of memberships and membership_roles: who belongs to which tenant, active or not, with which roles. The Owner
 * rules (owner-rules.ts) and the member writes (user.service.ts) decide; this file reads and writes.
 */

/** A live membership with its role ids, as the Owner rules see it. */
export interface MembershipRow {
  is_active: boolean;
  role_ids: number[];
}

/**
 * Serialises the membership changes of one tenant. Two requests demoting the last two Owners at once would each
 * still count the other as an Owner; under this lock the second one counts after the first has committed.
 * NO KEY UPDATE leaves inserts of rows referencing the tenant (which take KEY SHARE) unblocked.
 */
export async function lockTenantMemberships(tx: Queryable, tenantId: number): Promise<void> {
  await tx.query('SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE', [tenantId]);
}

/** The live membership of a live account in the tenant with its role ids. */
export async function findMembership(tx: Queryable, tenantId: number, userId: number): Promise<MembershipRow | null> {
  const result = await tx.query<MembershipRow>(
    `SELECT m.is_active,
            COALESCE((SELECT array_agg(mr.role_id ORDER BY mr.role_id) FROM membership_roles mr
                       WHERE mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id), '{}') AS role_ids
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL AND u.deleted_at IS NULL`,
    [tenantId, userId],
  );
  return result.rows[0] ?? null;
}

/** Whether the user's live, active membership in the tenant holds the role. */
export async function activeMemberHoldsRole(tx: Queryable, tenantId: number, userId: number, roleId: number): Promise<boolean> {
  const result = await tx.query(
    `SELECT 1 FROM memberships m JOIN membership_roles mr ON mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id
      WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL AND m.is_active AND mr.role_id = $3`,
    [tenantId, userId, roleId],
  );
  return result.rows.length > 0;
}

/** Live, active members of live accounts holding the role, other than `userId`. */
export async function countOtherActiveHolders(tx: Queryable, tenantId: number, userId: number, roleId: number): Promise<number> {
  const result = await tx.query<{ owners: number }>(
    `SELECT count(*)::int AS owners
       FROM membership_roles mr
       JOIN memberships m ON m.tenant_id = mr.tenant_id AND m.user_id = mr.user_id AND m.deleted_at IS NULL AND m.is_active
       JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
      WHERE mr.tenant_id = $1 AND mr.role_id = $3 AND mr.user_id <> $2`,
    [tenantId, userId, roleId],
  );
  return Number(result.rows[0]!.owners);
}

export async function insertMembership(tx: Queryable, tenantId: number, userId: number, isActive: boolean, now: Date): Promise<void> {
  await tx.query('INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [
    tenantId,
    userId,
    isActive,
    now,
  ]);
}

export async function setMembershipActive(tx: Queryable, tenantId: number, userId: number, isActive: boolean, now: Date): Promise<void> {
  await tx.query('UPDATE memberships SET is_active = $3, updated_at = $4 WHERE tenant_id = $1 AND user_id = $2 AND deleted_at IS NULL', [
    tenantId,
    userId,
    isActive,
    now,
  ]);
}

/** Soft-deletes the live membership and drops its roles. */
export async function removeMembership(tx: Queryable, tenantId: number, userId: number, now: Date): Promise<void> {
  await tx.query('UPDATE memberships SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND deleted_at IS NULL', [
    tenantId,
    userId,
    now,
  ]);
  await tx.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
}

/** Makes the member's roles exactly `roleIds`, keeping the rows of roles it already holds. */
export async function replaceMembershipRoles(tx: Queryable, tenantId: number, userId: number, roleIds: number[]): Promise<void> {
  await tx.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2 AND NOT (role_id = ANY($3::bigint[]))', [tenantId, userId, roleIds]);
  await tx.query(
    `INSERT INTO membership_roles (tenant_id, user_id, role_id)
     SELECT $1, $2, role_id FROM unnest($3::bigint[]) AS role_id ON CONFLICT DO NOTHING`,
    [tenantId, userId, roleIds],
  );
}

/** Whether the account still has a live, active membership in any tenant. */
export async function hasActiveMembership(tx: Queryable, userId: number): Promise<boolean> {
  const active = await tx.query('SELECT 1 FROM memberships WHERE user_id = $1 AND deleted_at IS NULL AND is_active LIMIT 1', [userId]);
  return active.rowCount > 0;
}

export async function belongsToOtherTenants(db: Queryable, userId: number, tenantId: number): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM memberships WHERE user_id = $1 AND tenant_id <> $2 AND deleted_at IS NULL LIMIT 1', [userId, tenantId]);
  return result.rows.length > 0;
}

/** Up to two live, active memberships of a user (only `wanted` when given) with the permission ids of each. */
export async function loadMembershipPermissions(
  db: Queryable,
  userId: number,
  wanted: number | null,
): Promise<Array<{ tenant_id: number; permission_ids: number[] }>> {
  const result = await db.query<{ tenant_id: number; permission_ids: number[] }>(
    `SELECT m.tenant_id,
            COALESCE(array_agg(DISTINCT rp.permission_id) FILTER (WHERE rp.permission_id IS NOT NULL), '{}') AS permission_ids
       FROM memberships m
       LEFT JOIN membership_roles mr ON mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id
       LEFT JOIN role_permissions rp ON rp.tenant_id = mr.tenant_id AND rp.role_id = mr.role_id
      WHERE m.user_id = $1 AND m.deleted_at IS NULL AND m.is_active AND ($2::bigint IS NULL OR m.tenant_id = $2::bigint)
      GROUP BY m.tenant_id
      ORDER BY m.tenant_id
      LIMIT 2`,
    [userId, wanted],
  );
  return result.rows;
}

/** Names of the member's roles in the tenant, by role id. */
export async function memberRoleNames(db: Queryable, tenantId: number, userId: number): Promise<string[]> {
  const result = await db.query<{ name: string }>(
    `SELECT r.name FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
      WHERE mr.tenant_id = $1 AND mr.user_id = $2 ORDER BY r.id`,
    [tenantId, userId],
  );
  return result.rows.map((row) => row.name);
}

/** A new active membership with the given roles, inserted in this order. */
export async function addMember(tx: Queryable, tenantId: number, userId: number, roleIds: number[], now: Date): Promise<void> {
  await tx.query('INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, true, $3, $3)', [tenantId, userId, now]);
  for (const roleId of roleIds) {
    await tx.query('INSERT INTO membership_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)', [tenantId, userId, roleId]);
  }
}

/** A live account with a live, active membership somewhere: who may sign in and hold tokens. */
export async function accountHasActiveMembership(db: Queryable, userId: number): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM users u JOIN memberships m ON m.user_id = u.id AND m.deleted_at IS NULL AND m.is_active
      WHERE u.id = $1 AND u.deleted_at IS NULL LIMIT 1`,
    [userId],
  );
  return result.rowCount > 0;
}

/** Whether the user has a live, active membership (in `tenantId` when given). */
export async function hasActiveMembershipIn(db: Queryable, userId: number, tenantId: number | null): Promise<boolean> {
  const membership = await db.query(
    `SELECT 1 FROM memberships WHERE user_id = $1 AND deleted_at IS NULL AND is_active AND ($2::bigint IS NULL OR tenant_id = $2::bigint) LIMIT 1`,
    [userId, tenantId],
  );
  return membership.rowCount > 0;
}
