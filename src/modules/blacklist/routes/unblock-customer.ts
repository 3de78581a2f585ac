import { principalActor } from '../../events/event-types.js';
import { defineRoute } from '../../../http/define-route.js';
import { unblockEntry } from '../blacklist.service.js';
import { loadBlacklistEntry } from '../load-blacklist-entry.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';

const UNBLOCKED = 'Customer unblocked successfully.';

export const unblockCustomer = defineRoute({
  method: 'DELETE',
  url: '/api/v1/channel-blacklists/:id',
  permission: 'blacklist.manage',
  scopes: ['blacklist:write'],
  summary: 'Unblock (delete) a blacklist entry',
  description: 'Switches the entry off and soft-deletes it; it then answers 404 and leaves every list. Works on active, inactive and expired entries.',
  tags: ['Channel blacklist'],
  responseSchema: messageResultResponse,
  load: loadBlacklistEntry,
  handler: async ({ deps, tenantId, loaded, context }) => {
    await unblockEntry(deps.db, tenantId, loaded.id, principalActor(context.principal), deps.clock.now());
    return messageResult(UNBLOCKED);
  },
});
