import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { userSchema } from '../user.resource.js';
import { requireMember } from '../user.finder.js';
import { createUserFields } from '../user-fields.js';
import { userResource } from '../user.resource.js';
import { createMember } from '../user.service.js';
import { profileOf } from '../profile-of.js';

export const createUser = defineRoute({
  method: 'POST',
  url: '/api/v1/users',
  permission: 'users.manage',
  scopes: ['users:write'],
  summary: 'Create a user',
  description:
    'Always a new account (an email any account uses, even a removed one, is taken) and its membership in this tenant, ' +
    'in one transaction. Granting the Owner role needs an Owner caller (403).',
  tags: ['Users'],
  successStatus: 201,
  responseSchema: envelopeSchema(userSchema),
  body: createUserFields,
  handler: async ({ deps, tenantId, context, body, reply }) => {
    const userId = await createMember(
      deps,
      { tenantId, principal: context.principal },
      { profile: profileOf(body), password: body.password!, isActive: body.is_active ?? undefined, roleIds: body.role_ids ?? undefined },
    );
    reply.code(201);
    return { success: 'User created successfully.', data: userResource(await requireMember(deps.db, tenantId, userId)) };
  },
});
