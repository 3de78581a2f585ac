import { object, tenantSchema } from '../../../http/openapi-schemas.js';
import { defineRoute } from '../../../http/define-route.js';

interface TenantRow {
  id: number;
  name: string;
  logo_url: string | null;
  roles: string[] | null;
}

export const listAccountTenants = defineRoute({
  method: 'GET',
  url: '/api/v1/account/tenants',
  permission: 'none',
  scopes: ['account:read'],
  summary: "The caller's tenants",
  description: 'Tenants where the caller is an active member, by id ascending. X-Tenant is not needed and is ignored.',
  tags: ['Account'],
  responseSchema: object({ data: { type: 'array', items: tenantSchema } }),
  handler: async ({ deps, context }) => {
    const principal = context.principal;
    const result =
      principal.kind === 'application'
        ? await deps.db.query<TenantRow>('SELECT id, name, logo_url, NULL AS roles FROM tenants WHERE id = $1', [principal.tenantId])
        : await deps.db.query<TenantRow>(
            `SELECT t.id, t.name, t.logo_url,
                    (SELECT array_agg(r.name ORDER BY r.id) FROM membership_roles mr
                       JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
                      WHERE mr.tenant_id = t.id AND mr.user_id = m.user_id) AS roles
               FROM memberships m JOIN tenants t ON t.id = m.tenant_id
              WHERE m.user_id = $1 AND m.deleted_at IS NULL AND m.is_active
                AND ($2::bigint IS NULL OR t.id = $2::bigint)
              ORDER BY t.id`,
            [principal.userId, context.token.boundTenantId],
          );
    return { data: result.rows.map((row) => ({ id: row.id, name: row.name, logo_url: row.logo_url, roles: row.roles ?? [] })) };
  },
});
