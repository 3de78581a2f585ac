import { defineRoute } from '../../../http/define-route.js';
import { arrayOf, dataSchema } from '../../../http/openapi-schemas.js';
import { roleSchema } from '../../roles/role.resource.js';
import { rolesOfMember } from '../../roles/role.repository.js';
import { roleResource } from '../../roles/role.resource.js';
import { loadMember } from '../load-member.js';

export const listUserRoles = defineRoute({
  method: 'GET',
  url: '/api/v1/users/:id/roles',
  permission: 'users.view',
  scopes: ['users:read'],
  summary: "A user's roles",
  description: 'The roles the member holds in this tenant, by id ascending, as a plain list (no pagination).',
  tags: ['Users'],
  responseSchema: dataSchema(arrayOf(roleSchema)),
  load: loadMember,
  handler: async ({ deps, tenantId, loaded }) => ({ data: (await rolesOfMember(deps.db, tenantId, loaded.id)).map(roleResource) }),
});
