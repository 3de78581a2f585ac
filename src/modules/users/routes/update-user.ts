import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { userSchema } from '../user.resource.js';
import { loadMember } from '../load-member.js';
import { requireMember } from '../user.finder.js';
import { sameEmail, updateUserFields } from '../user-fields.js';
import { userResource } from '../user.resource.js';
import { updateMember } from '../user.service.js';
import { profileOf } from '../profile-of.js';

export const updateUser = defineRoute({
  method: 'PUT',
  url: '/api/v1/users/:id',
  permission: 'users.manage',
  scopes: ['users:write'],
  summary: 'Update a user',
  description:
    'Partial: absent fields keep their value. `role_ids` replaces the roles (null leaves them, [] removes all). The email ' +
    'and password of an account that also belongs to another tenant cannot change (422). Changing an Owner or the Owner ' +
    'role needs an Owner caller (403); the tenant keeps at least one active Owner (409). A new password revokes the ' +
    "account's refresh tokens and login sessions, and so does deactivating the account's last active membership.",
  tags: ['Users'],
  responseSchema: envelopeSchema(userSchema),
  load: loadMember,
  body: updateUserFields,
  handler: async ({ deps, tenantId, context, loaded, body }) => {
    const profile = profileOf(body);
    // A change of letter case only is no change of address (docs/domain-rules.md#users-and-roles): the stored spelling stays.
    if (typeof profile.email === 'string' && sameEmail(profile.email, loaded.email)) delete profile.email;
    await updateMember(deps, { tenantId, principal: context.principal }, loaded.id, {
      profile,
      password: body.password ?? undefined,
      isActive: body.is_active ?? undefined,
      roleIds: body.role_ids ?? undefined,
    });
    return { success: 'User updated successfully.', data: userResource(await requireMember(deps.db, tenantId, loaded.id)) };
  },
});
