import type { Queryable } from '../../platform/db/db.js';
import { AppError } from '../../platform/errors.js';
import type { Principal } from '../oauth/access-tokens.js';
import { ownerRoleId } from '../roles/role.repository.js';
import { activeMemberHoldsRole, countOtherActiveHolders, findMembership } from './membership.repository.js';

/** The Owner rules of docs/request-checks.md#owner-protection, checked inside the transaction of the change they guard. */
export const OWNER_ONLY = 'Only an Owner can change an Owner or the Owner role.';
export const KEEP_AN_OWNER = 'The tenant must keep at least one active Owner.';

/** A live membership as the Owner rules see it; null when there is none (before a create, after a removal). */
export interface MemberState {
  isActive: boolean;
  roleIds: number[];
}

/** The live membership of a user in the tenant with its role ids; read it under lockTenantMemberships. */
export async function memberState(tx: Queryable, tenantId: number, userId: number): Promise<MemberState | null> {
  const row = await findMembership(tx, tenantId, userId);
  return row ? { isActive: row.is_active, roleIds: row.role_ids.map(Number) } : null;
}

/** An application is never an Owner (docs/request-checks.md#tenancy); a user is one when its membership here holds the Owner role. */
async function callerIsOwner(tx: Queryable, tenantId: number, principal: Principal, ownerRole: number): Promise<boolean> {
  if (principal.kind !== 'user') return false;
  return activeMemberHoldsRole(tx, tenantId, principal.userId, ownerRole);
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
  // Any change to a member holding the Owner role counts, even one that keeps the role (docs/domain-rules.md#users-and-roles).
  if ((wasOwner || willBeOwner) && !(await callerIsOwner(tx, tenantId, change.principal, ownerRole))) {
    throw new AppError('forbidden', OWNER_ONLY);
  }
  const wasActiveOwner = wasOwner && before!.isActive;
  const staysActiveOwner = willBeOwner && after!.isActive;
  if (wasActiveOwner && !staysActiveOwner && (await countOtherActiveHolders(tx, tenantId, userId, ownerRole)) === 0) {
    throw new AppError('conflict', KEEP_AN_OWNER);
  }
}
