import type { Queryable } from '../../platform/db/db.js';
import type { AppDeps } from '../../app-deps.js';
import { isUniqueViolation } from '../../platform/db/db.js';
import { notFound, validationError } from '../../platform/errors.js';
import type { Principal } from '../oauth/access-tokens.js';
import { unassignCustomersOf } from '../customers/customer.repository.js';
import { recordEvents } from '../events/event-recorder.js';
import { principalActor } from '../events/event-types.js';
import {
  hasActiveMembership,
  insertMembership,
  lockTenantMemberships,
  removeMembership,
  replaceMembershipRoles,
  setMembershipActive,
} from './membership.repository.js';
import { enforceOwnerRules, memberState, type MemberState } from './owner-rules.js';
import { EMAIL_TAKEN } from './user-fields.js';
import { USER_NOT_FOUND } from './user.finder.js';
import { emailTaken, hashPassword, insertUserProfile, lockEmail, revokeAccountGrants, updateUserProfile, type Profile } from './user.repository.js';

/** Writes of the user directory (docs/domain-rules.md#users-and-roles): one transaction each, Owner rules checked inside. */
export interface MemberChange {
  profile: Profile;
  password?: string;
  isActive?: boolean;
  /** Replaces the member's roles when given. */
  roleIds?: number[];
}

interface Actor {
  tenantId: number;
  principal: Principal;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * Validation checked the email before the transaction; this re-check under a per-address lock closes the race
 * between two requests (of any tenants) taking the same address, removed accounts included.
 */
async function claimEmail(tx: Queryable, email: string, userId: number | null): Promise<void> {
  await lockEmail(tx, email);
  if (await emailTaken(tx, email, userId)) throw validationError({ email: [EMAIL_TAKEN] });
}

/** The live-account index can still refuse an address taken at the same instant: the same 422. */
async function mappingEmailRace<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_unique')) throw validationError({ email: [EMAIL_TAKEN] });
    throw error;
  }
}

/** POST /users: a new account and its membership here, or nothing at all. Returns the new user id. */
export async function createMember(deps: AppDeps, actor: Actor, input: MemberChange & { password: string }): Promise<number> {
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  const after: MemberState = { isActive: input.isActive ?? true, roleIds: distinct(input.roleIds ?? []) };
  return mappingEmailRace(() =>
    deps.db.transaction(async (tx) => {
      await lockTenantMemberships(tx, actor.tenantId);
      await claimEmail(tx, input.profile.email as string, null);
      await enforceOwnerRules(tx, { ...actor, userId: 0, before: null, after });
      const userId = await insertUserProfile(tx, input.profile, passwordHash, now);
      await insertMembership(tx, actor.tenantId, userId, after.isActive, now);
      await replaceMembershipRoles(tx, actor.tenantId, userId, after.roleIds);
      return userId;
    }),
  );
}

/** PUT /users/{id} and PUT /users/{id}/roles: a partial change of the account and of its membership here. */
export async function updateMember(deps: AppDeps, actor: Actor, userId: number, change: MemberChange): Promise<void> {
  const passwordHash = change.password === undefined ? null : await hashPassword(change.password);
  const now = deps.clock.now();
  await mappingEmailRace(() =>
    deps.db.transaction(async (tx) => {
      await lockTenantMemberships(tx, actor.tenantId);
      const before = await memberState(tx, actor.tenantId, userId);
      if (!before) throw notFound(USER_NOT_FOUND);
      const after: MemberState = {
        isActive: change.isActive ?? before.isActive,
        roleIds: change.roleIds === undefined ? before.roleIds : distinct(change.roleIds),
      };
      await enforceOwnerRules(tx, { ...actor, userId, before, after });
      if (typeof change.profile.email === 'string') await claimEmail(tx, change.profile.email, userId);
      await updateAccount(tx, userId, change.profile, passwordHash, now);
      const rolesChanged = change.roleIds !== undefined && !sameIds(before.roleIds, after.roleIds);
      if (rolesChanged) await replaceMembershipRoles(tx, actor.tenantId, userId, after.roleIds);
      if (rolesChanged || after.isActive !== before.isActive) {
        await setMembershipActive(tx, actor.tenantId, userId, after.isActive, now);
      }
      if (before.isActive && !after.isActive) await endGrantsWithoutMembership(tx, userId, now);
    }),
  );
  // The account's access tokens were revoked: this process need not wait for its token cache to expire.
  if (passwordHash !== null) deps.tokens.forgetRecords();
}

/**
 * DELETE /users/{id}: removes the membership here (the account and its other memberships stay); this tenant's
 * customers assigned to the user lose the assignment without counting as updated (docs/domain-rules.md#users-and-roles),
 * each with its `customer.updated` event (docs/events.md#who-writes-what).
 */
export async function removeMember(deps: AppDeps, actor: Actor, userId: number): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await lockTenantMemberships(tx, actor.tenantId);
    const before = await memberState(tx, actor.tenantId, userId);
    if (!before) throw notFound(USER_NOT_FOUND);
    await enforceOwnerRules(tx, { ...actor, userId, before, after: null });
    // Roles go with the membership, so an account the operator adds back starts without its old Owner role.
    await removeMembership(tx, actor.tenantId, userId, now);
    // The customers' related_user changed: their resource did, though their updated_at stays.
    const unassigned = await unassignCustomersOf(tx, actor.tenantId, userId);
    const changes = unassigned.map((id) => ({ kind: 'customer' as const, id, change: 'updated' as const }));
    if (changes.length > 0) recordEvents(tx, actor.tenantId, principalActor(actor.principal), now, ...changes);
    if (before.isActive) await endGrantsWithoutMembership(tx, userId, now);
  });
}

/**
 * docs/oauth.md#login-and-consent-pages, docs/oauth.md#refresh-tokens: an account that lost its last active membership can no longer log in, so its login sessions and
 * refresh tokens are revoked, as a password change does (they stay revoked if a membership comes back).
 */
async function endGrantsWithoutMembership(tx: Queryable, userId: number, now: Date): Promise<void> {
  if (await hasActiveMembership(tx, userId)) return;
  await revokeAccountGrants(tx, userId, now);
}

function sameIds(a: number[], b: number[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((id) => left.has(id));
}

/**
 * Writes the present profile fields; updated_at moves only when something really changed (a new password always
 * does). A new password also revokes the account's access and refresh tokens and login sessions, as `flextell password` does.
 */
async function updateAccount(tx: Queryable, userId: number, profile: Profile, passwordHash: string | null, now: Date): Promise<void> {
  await updateUserProfile(tx, userId, profile, passwordHash, now);
  if (passwordHash !== null) await revokeAccountGrants(tx, userId, now);
}
