import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { customerSchema } from '../customer.resource.js';
import { customerFields } from '../customer-input.js';
import { CustomerFinder } from '../customer.finder.js';
import { customerResource } from '../customer.resource.js';
import { principalActor } from '../../events/event-types.js';
import { createCustomer as insertNewCustomer } from '../customer.service.js';

export const createCustomer = defineRoute({
  method: 'POST',
  url: '/api/v1/customers',
  permission: 'customers.manage',
  scopes: ['customers:write'],
  summary: 'Create a customer',
  description:
    'Phone numbers are stored in E.164 when they can be read (a number without + is read in the country given). ' +
    'Phone number and email are unique among the live customers of the tenant (email case-insensitively).',
  tags: ['Customers'],
  successStatus: 201,
  responseSchema: envelopeSchema(customerSchema),
  body: customerFields(false),
  handler: async ({ deps, tenantId, body, reply, context }) => {
    const id = await insertNewCustomer(deps.db, tenantId, body, principalActor(context.principal), deps.clock.now());
    const view = await new CustomerFinder(deps.db).findById(tenantId, id);
    reply.code(201);
    return { success: 'Customer created successfully.', data: customerResource(view!) };
  },
});
