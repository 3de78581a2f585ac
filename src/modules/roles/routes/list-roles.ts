import { defineRoute } from '../../../http/define-route.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { roleSchema } from '../role.resource.js';
import { rule } from '../../../http/validation.js';
import { listRoles as findRoles } from '../role.repository.js';
import { roleResource } from '../role.resource.js';

export const listRoles = defineRoute({
  method: 'GET',
  url: '/api/v1/roles',
  permission: 'roles.view',
  scopes: ['users:read'],
  summary: 'List roles',
  description: "The tenant's roles with their permissions, by id ascending (a fresh tenant: Owner, Admin, Agent, Viewer).",
  tags: ['Roles'],
  paginated: true,
  responseSchema: paginatorSchema(roleSchema),
  query: {
    search: rule.string().nullable().max(255).describe('Case-insensitive substring of the role name.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const { rows, total } = await findRoles(deps.db, tenantId, { search: query.search ?? null, limit: page.perPage, offset: page.offset });
    return paginate(rows.map(roleResource), total);
  },
});
