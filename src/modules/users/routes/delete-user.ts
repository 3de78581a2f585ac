import { defineRoute } from '../../../http/define-route.js';
import { loadMember } from '../load-member.js';
import { removeMember } from '../user.service.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';

const DELETED = 'User deleted successfully.';

export const deleteUser = defineRoute({
  method: 'DELETE',
  url: '/api/v1/users/:id',
  permission: 'users.manage',
  scopes: ['users:write'],
  summary: 'Remove a user from the tenant',
  description:
    'Soft-deletes the membership in this tenant only (the account and its other tenants are untouched); listed again ' +
    "with `trashed=1`. This tenant's customers assigned to the user lose the assignment. Removing an Owner needs an " +
    "Owner caller (403); removing the last active Owner is refused (409). When this was the account's last active " +
    'membership, its login sessions and refresh tokens are revoked.',
  tags: ['Users'],
  responseSchema: messageResultResponse,
  load: loadMember,
  handler: async ({ deps, tenantId, context, loaded }) => {
    await removeMember(deps, { tenantId, principal: context.principal }, loaded.id);
    return messageResult(DELETED);
  },
});
