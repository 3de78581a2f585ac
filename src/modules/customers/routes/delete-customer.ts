import { defineRoute } from '../../../http/define-route.js';
import { deleteCustomer as softDelete } from '../customer.service.js';
import { principalActor } from '../../events/event-types.js';
import { loadCustomer } from '../load-customer.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';

const DELETED = 'Customer deleted successfully.';

export const deleteCustomer = defineRoute({
  method: 'DELETE',
  url: '/api/v1/customers/:id',
  permission: 'customers.manage',
  scopes: ['customers:write'],
  summary: 'Delete a customer',
  description:
    'Soft delete: the customer answers 404 from then on and leaves the lists; its phone number and email are free ' +
    'again. Its conversations, messages and blacklist entries are kept.',
  tags: ['Customers'],
  responseSchema: messageResultResponse,
  load: loadCustomer,
  handler: async ({ deps, tenantId, loaded, context }) => {
    await softDelete(deps.db, tenantId, loaded.id, principalActor(context.principal), deps.clock.now());
    return messageResult(DELETED);
  },
});
