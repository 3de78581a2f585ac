import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { accountRolesSchema } from '../account.resource.js';
import { PERMISSIONS } from '../../roles/permissions.js';
import { memberRoleNames } from '../../users/membership.repository.js';

export const getAccountRoles = defineRoute({
  method: 'GET',
  url: '/api/v1/account/roles',
  permission: 'member',
  scopes: ['account:read'],
  summary: "The caller's roles and permissions in the current tenant",
  description:
    'Role names by role id ascending; the permissions they grant in catalogue order. An application token gets no roles ' + 'and the whole catalogue.',
  tags: ['Account'],
  responseSchema: envelopeSchema(accountRolesSchema),
  handler: async ({ deps, tenantId, context }) => {
    const principal = context.principal;
    const roles = principal.kind === 'application' ? [] : await memberRoleNames(deps.db, tenantId, principal.userId);
    // The pipeline read this request's permission set fresh from the roles (src/http/tenant.ts).
    const permissions = PERMISSIONS.filter((permission) => context.permissions.has(permission));
    return { success: 'Account roles retrieved successfully.', data: { roles, permissions } };
  },
});
