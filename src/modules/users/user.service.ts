import type { Queryable } from '../../platform/db/db.js';
import type { AppDeps } from '../../app-deps.js';
import { isUniqueViolation } from '../../platform/db/db.js';
import { notFound, validationError } from '../../http/errors.js';
import type { Principal } from '../oauth/access-tokens.js';
import { enforceOwnerRules, lockTenantMemberships, memberState, type MemberState } from './owner-rules.js';
import { EMAIL_TAKEN, emailTaken } from './user-fields.js';
import { USER_NOT_FOUND } from './user.finder.js';
import { hashPassword, revokeAccountGrants } from './user.repository.js';

/** Writes of the user directory (api-directory.md §4, §5.3): one transaction each, Owner rules checked inside. */
export const PROFILE_COLUMNS = [
  'name',
  'email',
  'title',
  'phone',
  'emergency_contact_name',
  'emergency_contact_surname',
  'emergency_contact_phone_number',
  'blood_group',
  'language',
  'avatar_url',
  'bio',
] as const;
export type ProfileColumn = (typeof PROFILE_COLUMNS)[number];
export type Profile = Partial<Record<ProfileColumn, string | string[] | null>>;

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

const EMAIL_LOCK_CLASS = 4_004;

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * Validation checked the email before the transaction; this re-check under a per-address lock closes the race
 * between two requests (of any tenants) taking the same address, removed accounts included.
 */
async function claimEmail(tx: Queryable, email: string, userId: number | null): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(email_key($2)))', [EMAIL_LOCK_CLASS, email]);
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

function columnValue(column: ProfileColumn, value: string | string[] | null | undefined): unknown {
  if (column === 'language') return JSON.stringify(distinct((value as string[] | null) ?? []));
  return value ?? null;
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
      const columns = PROFILE_COLUMNS.filter((column) => input.profile[column] !== undefined);
      const values = columns.map((column) => columnValue(column, input.profile[column]));
      const placeholders = columns.map((column, index) => `$${index + 3}${column === 'language' ? '::jsonb' : ''}`);
      const inserted = await tx.query<{ id: number }>(
        `INSERT INTO users (password_hash, created_at, updated_at, ${columns.join(', ')})
         VALUES ($1, $2, $2, ${placeholders.join(', ')}) RETURNING id`,
        [passwordHash, now, ...values],
      );
      const userId = Number(inserted.rows[0]!.id);
      await tx.query('INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [
        actor.tenantId,
        userId,
        after.isActive,
        now,
      ]);
      await replaceRoles(tx, actor.tenantId, userId, after.roleIds);
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
      if (rolesChanged) await replaceRoles(tx, actor.tenantId, userId, after.roleIds);
      if (rolesChanged || after.isActive !== before.isActive) {
        await tx.query('UPDATE memberships SET is_active = $3, updated_at = $4 WHERE tenant_id = $1 AND user_id = $2 AND deleted_at IS NULL', [
          actor.tenantId,
          userId,
          after.isActive,
          now,
        ]);
      }
      if (before.isActive && !after.isActive) await endGrantsWithoutMembership(tx, userId, now);
    }),
  );
  // The account's access tokens were revoked: this process need not wait for its token cache to expire.
  if (passwordHash !== null) deps.tokens.forgetRecords();
}

/**
 * DELETE /users/{id}: removes the membership here (the account and its other memberships stay); this tenant's
 * customers assigned to the user lose the assignment without counting as updated (§4.7).
 */
export async function removeMember(deps: AppDeps, actor: Actor, userId: number): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await lockTenantMemberships(tx, actor.tenantId);
    const before = await memberState(tx, actor.tenantId, userId);
    if (!before) throw notFound(USER_NOT_FOUND);
    await enforceOwnerRules(tx, { ...actor, userId, before, after: null });
    await tx.query('UPDATE memberships SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND deleted_at IS NULL', [
      actor.tenantId,
      userId,
      now,
    ]);
    // Roles go with the membership, so an account the operator adds back starts without its old Owner role.
    await tx.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [actor.tenantId, userId]);
    await tx.query('UPDATE customers SET related_user_id = NULL WHERE tenant_id = $1 AND related_user_id = $2', [actor.tenantId, userId]);
    if (before.isActive) await endGrantsWithoutMembership(tx, userId, now);
  });
}

/**
 * oauth.md §4.1, §6: an account that lost its last active membership can no longer log in, so its login sessions and
 * refresh tokens are revoked, as a password change does (they stay revoked if a membership comes back).
 */
async function endGrantsWithoutMembership(tx: Queryable, userId: number, now: Date): Promise<void> {
  const active = await tx.query('SELECT 1 FROM memberships WHERE user_id = $1 AND deleted_at IS NULL AND is_active LIMIT 1', [userId]);
  if (active.rowCount > 0) return;
  await revokeAccountGrants(tx, userId, now);
}

function sameIds(a: number[], b: number[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((id) => left.has(id));
}

async function replaceRoles(tx: Queryable, tenantId: number, userId: number, roleIds: number[]): Promise<void> {
  await tx.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2 AND NOT (role_id = ANY($3::bigint[]))', [tenantId, userId, roleIds]);
  await tx.query(
    `INSERT INTO membership_roles (tenant_id, user_id, role_id)
     SELECT $1, $2, role_id FROM unnest($3::bigint[]) AS role_id ON CONFLICT DO NOTHING`,
    [tenantId, userId, roleIds],
  );
}

/**
 * Writes the present profile fields; updated_at moves only when something really changed (a new password always
 * does). A new password also revokes the account's access and refresh tokens and login sessions, as `flextell password` does.
 */
async function updateAccount(tx: Queryable, userId: number, profile: Profile, passwordHash: string | null, now: Date): Promise<void> {
  const columns = PROFILE_COLUMNS.filter((column) => profile[column] !== undefined);
  if (columns.length === 0 && passwordHash === null) return;
  const params: unknown[] = [userId, now, passwordHash];
  const targets = columns.map((column) => {
    params.push(columnValue(column, profile[column]));
    return `$${params.length}::${column === 'language' ? 'jsonb' : 'text'}`;
  });
  const sets = columns.map((column, index) => `${column} = ${targets[index]}`);
  const changed = columns.length === 0 ? 'false' : `ROW(${columns.join(', ')}) IS DISTINCT FROM ROW(${targets.join(', ')})`;
  await tx.query(
    `UPDATE users SET ${[...sets, 'password_hash = COALESCE($3::text, password_hash)'].join(', ')},
            updated_at = CASE WHEN $3::text IS NOT NULL OR ${changed} THEN $2 ELSE updated_at END
      WHERE id = $1`,
    params,
  );
  if (passwordHash !== null) await revokeAccountGrants(tx, userId, now);
}
