import { defineRoute } from '../../../http/define-route.js';
import { parsePathId } from '../../../http/path-id.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { roleSchema } from '../role.resource.js';
import { findRole } from '../role.repository.js';
import { roleResource } from '../role.resource.js';

export const getRole = defineRoute({
  method: 'GET',
  url: '/api/v1/roles/:id',
  permission: 'roles.view',
  scopes: ['users:read'],
  summary: 'Get a role with its permissions',
  description: "404 for an unknown id or another tenant's role.",
  tags: ['Roles'],
  responseSchema: envelopeSchema(roleSchema),
  load: ({ deps, tenantId, params }) => findRole(deps.db, tenantId, parsePathId(params.id)),
  handler: async ({ loaded }) => ({ success: 'Role retrieved successfully.', data: roleResource(loaded) }),
});
