import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';

/** A role with its permissions, as RoleResource shows it (docs/responses.md#resources). */
export interface RoleView {
  id: number;
  tenant_id: number;
  name: string;
  is_system: boolean;
  created_at: Date;
  updated_at: Date;
  permissions: Array<{ id: number; name: string }>;
}

export const ROLE_NOT_FOUND = 'Role not found.';
export const OWNER_ROLE = 'Owner';

// The permissions ride along as one JSON array per role, so a list of roles is one query.
const ROLE_COLUMNS = `r.id, r.tenant_id, r.name, r.is_system, r.created_at, r.updated_at,
  COALESCE((SELECT json_agg(json_build_object('id', p.id, 'name', p.name) ORDER BY p.id)
              FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
             WHERE rp.tenant_id = r.tenant_id AND rp.role_id = r.id), '[]'::json) AS permissions`;

export async function findRole(db: Queryable, tenantId: number, roleId: number | null): Promise<RoleView> {
  const result =
    roleId === null ? null : await db.query<RoleView>(`SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, roleId]);
  const role = result?.rows[0];
  if (!role) throw notFound(ROLE_NOT_FOUND);
  return role;
}

/** The tenant's roles by id ascending; `search` is a literal, case-insensitive substring of the name. */
export async function listRoles(
  db: Queryable,
  tenantId: number,
  filters: { search: string | null; limit: number; offset: number },
): Promise<{ rows: RoleView[]; total: number }> {
  const where = 'r.tenant_id = $1 AND ($2::text IS NULL OR strpos(lower(r.name), lower($2::text)) > 0)';
  const [rows, count] = await Promise.all([
    db.query<RoleView>(`SELECT ${ROLE_COLUMNS} FROM roles r WHERE ${where} ORDER BY r.id LIMIT $3 OFFSET $4`, [
      tenantId,
      filters.search,
      filters.limit,
      filters.offset,
    ]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM roles r WHERE ${where}`, [tenantId, filters.search]),
  ]);
  return { rows: rows.rows, total: Number(count.rows[0]!.total) };
}

/** The roles a member holds in the tenant, by id ascending. */
export async function rolesOfMember(db: Queryable, tenantId: number, userId: number): Promise<RoleView[]> {
  const result = await db.query<RoleView>(
    `SELECT ${ROLE_COLUMNS} FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
      WHERE mr.tenant_id = $1 AND mr.user_id = $2 ORDER BY r.id`,
    [tenantId, userId],
  );
  return result.rows;
}

/** Which of these ids are roles of the tenant (another tenant's role id is simply unknown). */
export async function knownRoleIds(db: Queryable, tenantId: number, roleIds: number[]): Promise<Set<number>> {
  if (roleIds.length === 0) return new Set();
  const result = await db.query<{ id: number }>('SELECT id FROM roles WHERE tenant_id = $1 AND id = ANY($2::bigint[])', [tenantId, roleIds]);
  return new Set(result.rows.map((row) => Number(row.id)));
}

/** The tenant's system Owner role (created with the tenant, never renamed or deleted). */
export async function ownerRoleId(db: Queryable, tenantId: number): Promise<number> {
  const result = await db.query<{ id: number }>('SELECT id FROM roles WHERE tenant_id = $1 AND is_system AND name = $2', [tenantId, OWNER_ROLE]);
  return Number(result.rows[0]!.id);
}
