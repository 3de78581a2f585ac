import type { Queryable } from '../../platform/db/db.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../oauth/access-tokens.js';
import { ownerRoleId } from '../roles/role.repository.js';

/** The Owner rules of api-directory.md §2.2, checked inside the transaction of the change they guard. */
export const OWNER_ONLY = 'Only an Owner can change an Owner or the Owner role.';
export const KEEP_AN_OWNER = 'The tenant must keep at least one active Owner.';

/** A live membership as the Owner rules see it; null when there is none (before a create, after a removal). */
export interface MemberState {
  isActive: boolean;
  roleIds: number[];
}

/**
 * Serialises the membership changes of one tenant. Two requests demoting the last two Owners at once would each
 * still count the other as an Owner; under this lock the second one counts after the first has committed.
 * NO KEY UPDATE leaves inserts of rows referencing the tenant (which take KEY SHARE) unblocked.
 */
export async function lockTenantMemberships(tx: Queryable, tenantId: number): Promise<void> {
  await tx.query('SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE', [tenantId]);
}

/** The live membership of a user in the tenant with its role ids, read under the lock. */
export async function memberState(tx: Queryable, tenantId: number, userId: number): Promise<MemberState | null> {
  const result = await tx.query<{ is_active: boolean; role_ids: number[] }>(
    `SELECT m.is_active,
            COALESCE((SELECT array_agg(mr.role_id ORDER BY mr.role_id) FROM membership_roles mr
                       WHERE mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id), '{}') AS role_ids
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL AND u.deleted_at IS NULL`,
    [tenantId, userId],
  );
  const row = result.rows[0];
  return row ? { isActive: row.is_active, roleIds: row.role_ids.map(Number) } : null;
}

/** An application is never an Owner (api.md §5); a user is one when its membership here holds the Owner role. */
async function callerIsOwner(tx: Queryable, tenantId: number, principal: Principal, ownerRole: number): Promise<boolean> {
  if (principal.kind !== 'user') return false;
  const result = await tx.query(
    `SELECT 1 FROM memberships m JOIN membership_roles mr ON mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id
      WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL AND m.is_active AND mr.role_id = $3`,
    [tenantId, principal.userId, ownerRole],
  );
  return result.rows.length > 0;
}

async function otherActiveOwners(tx: Queryable, tenantId: number, userId: number, ownerRole: number): Promise<number> {
  const result = await tx.query<{ owners: number }>(
    `SELECT count(*)::int AS owners
       FROM membership_roles mr
       JOIN memberships m ON m.tenant_id = mr.tenant_id AND m.user_id = mr.user_id AND m.deleted_at IS NULL AND m.is_active
       JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
      WHERE mr.tenant_id = $1 AND mr.role_id = $3 AND mr.user_id <> $2`,
    [tenantId, userId, ownerRole],
  );
  return Number(result.rows[0]!.owners);
}

/**
 * Owner protection (403) then at-least-one-active-Owner (409), for a change of one member from `before` to `after`.
 * Call it under lockTenantMemberships, with `before` read under that lock, and before writing anything.
 */
export async function enforceOwnerRules(
  tx: Queryable,
  change: { tenantId: number; principal: Principal; userId: number; before: MemberState | null; after: MemberState | null },
): Promise<void> {
  const { tenantId, userId, before, after } = change;
  const ownerRole = await ownerRoleId(tx, tenantId);
  const wasOwner = before?.roleIds.includes(ownerRole) ?? false;
  const willBeOwner = after?.roleIds.includes(ownerRole) ?? false;
  // Any change to a member holding the Owner role counts, even one that keeps the role (§5.3).
  if ((wasOwner || willBeOwner) && !(await callerIsOwner(tx, tenantId, change.principal, ownerRole))) {
    throw new AppError('forbidden', OWNER_ONLY);
  }
  const wasActiveOwner = wasOwner && before!.isActive;
  const staysActiveOwner = willBeOwner && after!.isActive;
  if (wasActiveOwner && !staysActiveOwner && (await otherActiveOwners(tx, tenantId, userId, ownerRole)) === 0) {
    throw new AppError('conflict', KEEP_AN_OWNER);
  }
}
