import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { userSchema } from '../user.resource.js';
import { loadMember } from '../load-member.js';
import { userResource } from '../user.resource.js';

export const getUser = defineRoute({
  method: 'GET',
  url: '/api/v1/users/:id',
  permission: 'users.view',
  scopes: ['users:read'],
  summary: 'Get a user',
  description: '404 unless the id is a live member of the current tenant.',
  tags: ['Users'],
  responseSchema: envelopeSchema(userSchema),
  load: loadMember,
  handler: async ({ loaded }) => ({ success: 'User retrieved successfully.', data: userResource(loaded) }),
});
