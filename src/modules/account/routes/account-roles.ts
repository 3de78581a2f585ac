import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { accountRolesSchema } from '../account.resource.js';
import { PERMISSIONS } from '../../roles/permissions.js';

export const getAccountRoles = defineRoute({
  method: 'GET',
  url: '/api/v1/account/roles',
  permission: 'member',
  scopes: ['account:read'],
  summary: "The caller's roles and permissions in the current tenant",
  description:
    'Role names by role id ascending; the permissions they grant in catalogue order. An application token gets no roles ' +
    'and the whole catalogue.',
  tags: ['Account'],
  responseSchema: envelopeSchema(accountRolesSchema),
  handler: async ({ deps, tenantId, context }) => {
    const principal = context.principal;
    const roles =
      principal.kind === 'application'
        ? []
        : (
            await deps.db.query<{ name: string }>(
              `SELECT r.name FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
                WHERE mr.tenant_id = $1 AND mr.user_id = $2 ORDER BY r.id`,
              [tenantId, principal.userId],
            )
          ).rows.map((row) => row.name);
    // The pipeline read this request's permission set fresh from the roles (src/http/tenant.ts).
    const permissions = PERMISSIONS.filter((permission) => context.permissions.has(permission));
    return { success: 'Account roles retrieved successfully.', data: { roles, permissions } };
  },
});
