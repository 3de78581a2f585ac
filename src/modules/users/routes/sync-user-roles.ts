import { defineRoute } from '../../../http/define-route.js';
import { validationError } from '../../../platform/errors.js';
import { arrayOf, envelopeSchema } from '../../../http/openapi-schemas.js';
import { roleSchema } from '../../roles/role.resource.js';
import { roleIdsRule } from '../../roles/role-ids-rule.js';
import { rolesOfMember } from '../../roles/role.repository.js';
import { roleResource } from '../../roles/role.resource.js';
import { loadMember } from '../load-member.js';
import { updateMember } from '../user.service.js';

export const syncUserRoles = defineRoute({
  method: 'PUT',
  url: '/api/v1/users/:id/roles',
  permission: 'users.manage',
  scopes: ['users:write'],
  summary: "Replace (sync) a user's roles",
  description:
    'The member ends up holding exactly `role_ids` (`[]` removes every role). Granting or revoking the Owner role, or ' +
    'syncing the roles of an Owner, needs an Owner caller (403); taking the Owner role from the last active Owner is ' +
    'refused (409) and nothing changes.',
  tags: ['Users'],
  responseSchema: envelopeSchema(arrayOf(roleSchema)),
  load: loadMember,
  body: { role_ids: roleIdsRule().describe('Required, [] allowed: exactly the roles the member ends up holding.') },
  handler: async ({ deps, tenantId, context, loaded, body }) => {
    // `required` here means present: [] is a valid answer (docs/domain-rules.md#users-and-roles), so absent and null are refused by hand.
    if (body.role_ids === undefined || body.role_ids === null) throw validationError({ role_ids: ['The role ids field is required.'] });
    await updateMember(deps, { tenantId, principal: context.principal }, loaded.id, { profile: {}, roleIds: body.role_ids });
    return { success: 'User roles synced successfully.', data: (await rolesOfMember(deps.db, tenantId, loaded.id)).map(roleResource) };
  },
});
