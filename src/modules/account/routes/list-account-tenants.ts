import { arrayOf, dataSchema } from '../../../http/openapi-schemas.js';
import { defineRoute } from '../../../http/define-route.js';
import { accountTenantResource, accountTenantSchema } from '../account.resource.js';
import { listApplicationTenant, listMemberTenants } from '../../tenants/tenant.finder.js';

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
    const rows =
      principal.kind === 'application'
        ? await listApplicationTenant(deps.db, principal.tenantId)
        : await listMemberTenants(deps.db, principal.userId, context.token.boundTenantId);
    return { data: rows.map(accountTenantResource) };
  },
});
