import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { customerSchema } from '../customer.resource.js';
import { CustomerFinder } from '../customer.finder.js';
import { customerResource } from '../customer.resource.js';
import { loadCustomer } from '../load-customer.js';

export const getCustomer = defineRoute({
  method: 'GET',
  url: '/api/v1/customers/:id',
  permission: 'customers.view',
  scopes: ['customers:read'],
  summary: 'Get one customer',
  description: 'The CustomerResource exactly as the create or the last update returned it.',
  tags: ['Customers'],
  responseSchema: envelopeSchema(customerSchema),
  load: loadCustomer,
  handler: async ({ deps, tenantId, loaded }) => {
    const view = await new CustomerFinder(deps.db).findById(tenantId, loaded.id);
    return { success: 'Customer retrieved successfully.', data: customerResource(view!) };
  },
});
