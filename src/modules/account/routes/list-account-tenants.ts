import { arrayOf, dataSchema } from '../../../http/openapi-schemas.js';
import { defineRoute } from '../../../http/define-route.js';
import { accountTenantResource, accountTenantSchema, type AccountTenantRow } from '../account.resource.js';

export const listAccountTenants = defineRoute({
  method: 'GET',
  url: '/api/v1/account/tenants',
  permission: 'none',
  scopes: ['account:read'],
  summary: "The caller's tenants",
  description: 'Tenants where the caller is an active member, by id ascending. X-Tenant is not needed and is ignored.',
  tags: ['Account'],
  responseSchema: dataSchema(arrayOf(accountTenantSchema)),
  handler: async ({ deps, context }) => {
    const principal = context.principal;
    const result =
      principal.kind === 'application'
        ? await deps.db.query<AccountTenantRow>('SELECT id, name, logo_url, NULL AS roles FROM tenants WHERE id = $1', [principal.tenantId])
        : await deps.db.query<AccountTenantRow>(
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
    return { data: result.rows.map(accountTenantResource) };
  },
});
