import { resolveSort, sortQuery } from '../../../http/list-sort.js';
import { defineRoute } from '../../../http/define-route.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { userSchema } from '../user.resource.js';
import { rule } from '../../../http/validation.js';
import { listMembers, USER_SORTS } from '../user.finder.js';
import { userResource } from '../user.resource.js';

export const listUsers = defineRoute({
  method: 'GET',
  url: '/api/v1/users',
  permission: 'users.view',
  scopes: ['users:read'],
  summary: "List the tenant's users",
  description:
    'Newest first unless `sort_by` is given (`sort_order` then defaults to asc; nulls last; ties by id). `search` matches ' +
    'name or email literally and case-insensitively; `role` is a role name of this tenant; `trashed=1` lists removed members.',
  tags: ['Users'],
  paginated: true,
  responseSchema: paginatorSchema(userSchema),
  query: {
    search: rule.string().nullable().max(255).describe('Case-insensitive substring of the name or email.'),
    ...sortQuery(USER_SORTS),
    is_active: rule.boolean().nullable().describe('Only active (true) or suspended (false) members.'),
    role: rule.string().nullable().max(255).describe('Only members holding the role of this name (case-insensitive).'),
    trashed: rule.boolean().nullable().describe('true: only members removed from this tenant.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const sort = resolveSort(query.sort_by, query.sort_order);
    const { rows, total } = await listMembers(deps.db, tenantId, {
      search: query.search ?? null,
      isActive: query.is_active ?? null,
      role: query.role ?? null,
      trashed: query.trashed ?? false,
      sortBy: sort.column,
      direction: sort.direction,
      limit: page.perPage,
      offset: page.offset,
    });
    return paginate(rows.map(userResource), total);
  },
});
