import type { Queryable } from '../platform/db/db.js';
import { ChangeAwareCache } from '../platform/change-aware-cache.js';
import { AppError, MESSAGES } from './errors.js';
import type { VerifiedToken } from '../modules/oauth/access-tokens.js';
import { PERMISSIONS, permissionById, type Permission } from '../modules/roles/permissions.js';
import { loadMembershipPermissions } from '../modules/users/membership.repository.js';

export interface TenantAccess {
  tenantId: number;
  permissions: ReadonlySet<Permission>;
}

const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS);

/** X-Tenant as sent: undefined when absent or empty, the raw text otherwise (repeated headers arrive joined). */
export function rawTenantHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.join(', ');
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Up to two live memberships of a user (one when a tenant is wanted), with the permission set of each. */
type MembershipAccess = TenantAccess[];

/** Members' tenant access, dropped whenever memberships, roles or role permissions change (migration 0013). */
export class AccessCache extends ChangeAwareCache<MembershipAccess> {
  static readonly CHANNEL = 'access';
}

async function loadMembershipAccess(db: Queryable, userId: number, wanted: number | null): Promise<MembershipAccess> {
  const rows = await loadMembershipPermissions(db, userId, wanted);
  return rows.map((row) => {
    const permissions = new Set<Permission>();
    for (const id of row.permission_ids) {
      const name = permissionById(Number(id));
      if (name) permissions.add(name);
    }
    return { tenantId: Number(row.tenant_id), permissions };
  });
}

/**
 * Resolves the request's tenant from the verified token and X-Tenant (docs/request-checks.md#tenancy), and the principal's
 * permissions there, in one query (or from the access cache). The tenant never comes from anywhere else.
 */
export async function resolveTenant(db: Queryable, cache: AccessCache, token: VerifiedToken, header: string | undefined): Promise<TenantAccess | AppError> {
  let requested: number | null = null;
  if (header !== undefined) {
    if (!/^[0-9]{1,18}$/.test(header)) return new AppError('invalid_request', MESSAGES.tenantInvalid);
    requested = Number(header);
  }
  const forbidden = () => new AppError('tenant_forbidden', MESSAGES.tenantForbidden);
  const bound = token.boundTenantId;
  if (requested !== null && bound !== null && requested !== bound) return forbidden();
  const wanted = requested ?? bound;

  if (token.principal.kind === 'application') {
    return { tenantId: token.principal.tenantId, permissions: ALL_PERMISSIONS };
  }
  const userId = token.principal.userId;
  const memberships = await cache.get(`${userId}:${wanted ?? ''}`, () => loadMembershipAccess(db, userId, wanted));
  if (wanted !== null && memberships.length === 0) return forbidden();
  if (wanted === null && memberships.length !== 1) return new AppError('tenant_required', MESSAGES.tenantRequired);
  return memberships[0]!;
}
