import { orderByClause, textSortKey, type SortDirection } from '../../http/list-sort.js';
import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';

/** A member of the tenant: its account joined with its membership and roles there (docs/domain-rules.md#users-and-roles). */
export interface UserView {
  id: number;
  name: string;
  email: string;
  title: string | null;
  phone: string | null;
  emergency_contact_name: string | null;
  emergency_contact_surname: string | null;
  emergency_contact_phone_number: string | null;
  blood_group: string | null;
  language: string[];
  avatar_url: string | null;
  is_active: boolean;
  bio: string | null;
  last_login_at: Date | null;
  last_login_ip: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  roles: Array<{ id: number; name: string }>;
}

export const USER_NOT_FOUND = 'User not found.';
export const USER_SORTS = ['name', 'email', 'created_at', 'updated_at', 'last_login_at'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserFilters {
  search: string | null;
  isActive: boolean | null;
  role: string | null;
  trashed: boolean;
  sortBy: UserSort;
  direction: SortDirection;
  limit: number;
  offset: number;
}

const SORT_EXPRESSIONS: Record<UserSort, string> = {
  name: textSortKey('u.name'),
  email: textSortKey('u.email'),
  created_at: 'u.created_at',
  updated_at: 'greatest(u.updated_at, m.updated_at)',
  last_login_at: 'u.last_login_at',
};

const USER_COLUMNS = `u.id, u.name, u.email, u.title, u.phone, u.emergency_contact_name, u.emergency_contact_surname,
  u.emergency_contact_phone_number, u.blood_group, u.language, u.avatar_url, m.is_active, u.bio, u.last_login_at,
  u.last_login_ip, u.created_at, greatest(u.updated_at, m.updated_at) AS updated_at, m.deleted_at,
  COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name) ORDER BY r.id)
              FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
             WHERE mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id), '[]'::json) AS roles`;

const MEMBERS = 'memberships m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL';

/** The live member `userId` of the tenant, or null (another tenant's user and removed members are unknown here). */
export async function findMember(db: Queryable, tenantId: number, userId: number): Promise<UserView | null> {
  const result = await db.query<UserView>(`SELECT ${USER_COLUMNS} FROM ${MEMBERS} WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL`, [
    tenantId,
    userId,
  ]);
  return result.rows[0] ?? null;
}

export async function requireMember(db: Queryable, tenantId: number, userId: number | null): Promise<UserView> {
  const member = userId === null ? null : await findMember(db, tenantId, userId);
  if (!member) throw notFound(USER_NOT_FOUND);
  return member;
}

/** One page of the tenant's members (or removed members) and the exact total, filters combined with AND. */
export async function listMembers(db: Queryable, tenantId: number, filters: UserFilters): Promise<{ rows: UserView[]; total: number }> {
  const where = `m.tenant_id = $1
    AND (CASE WHEN $2::boolean THEN m.deleted_at IS NOT NULL ELSE m.deleted_at IS NULL END)
    AND ($3::text IS NULL OR strpos(lower(u.name), lower($3::text)) > 0 OR strpos(lower(u.email), lower($3::text)) > 0)
    AND ($4::boolean IS NULL OR m.is_active = $4::boolean)
    AND ($5::text IS NULL OR EXISTS (
          SELECT 1 FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
           WHERE mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id AND lower(r.name) = lower($5::text)))`;
  const params = [tenantId, filters.trashed, filters.search, filters.isActive, filters.role];
  const [rows, count] = await Promise.all([
    db.query<UserView>(
      `SELECT ${USER_COLUMNS} FROM ${MEMBERS} WHERE ${where}
        ORDER BY ${orderByClause(SORT_EXPRESSIONS[filters.sortBy], filters.direction, ['u.id', 'm.id'])}
        LIMIT $6 OFFSET $7`,
      [...params, filters.limit, filters.offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${MEMBERS} WHERE ${where}`, params),
  ]);
  return { rows: rows.rows, total: Number(count.rows[0]!.total) };
}
