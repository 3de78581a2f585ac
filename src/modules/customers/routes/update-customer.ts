import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { customerSchema } from '../customer.resource.js';
import { customerFields } from '../customer-input.js';
import { CustomerFinder } from '../customer.finder.js';
import { customerResource } from '../customer.resource.js';
import { principalActor } from '../../events/event-types.js';
import { changeCustomer } from '../customer.service.js';
import { loadCustomer } from '../load-customer.js';

export const updateCustomer = defineRoute({
  method: 'PUT',
  url: '/api/v1/customers/:id',
  permission: 'customers.manage',
  scopes: ['customers:write'],
  summary: 'Update a customer',
  description:
    'A partial update: absent fields keep their values, null clears a nullable field. A new country_id re-reads the ' +
    'phone number only when phone_number is sent too.',
  tags: ['Customers'],
  responseSchema: envelopeSchema(customerSchema),
  load: loadCustomer,
  body: customerFields(true),
  handler: async ({ deps, tenantId, loaded, body, context }) => {
    await changeCustomer(deps.db, tenantId, loaded, body, principalActor(context.principal), deps.clock.now());
    const view = await new CustomerFinder(deps.db).findById(tenantId, loaded.id);
    return { success: 'Customer updated successfully.', data: customerResource(view!) };
  },
});
