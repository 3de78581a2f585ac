import { resolveSort, sortQuery } from '../../../http/list-sort.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { customerSchema } from '../customer.resource.js';
import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { CUSTOMER_SORT_COLUMNS, CustomerFinder } from '../customer.finder.js';
import { customerResource, GENDERS } from '../customer.resource.js';
import { latestBirthDateForAge } from '../age.js';

export const listCustomers = defineRoute({
  method: 'GET',
  url: '/api/v1/customers',
  permission: 'customers.view',
  scopes: ['customers:read'],
  summary: 'List customers',
  description:
    'Newest first unless `sort_by` is given (then ascending by default). Text columns sort case-insensitively in ' +
    'code-point order, nulls last, ties by id. `search` matches names, "first last", email, identity number and the ' +
    'phone number in any common format.',
  tags: ['Customers'],
  paginated: true,
  responseSchema: paginatorSchema(customerSchema),
  query: {
    search: rule.string().nullable().max(255).describe('Case-insensitive substring filter.'),
    ...sortQuery(CUSTOMER_SORT_COLUMNS),
    gender: rule.enum(GENDERS).nullable(),
    min_age: rule.integer().nullable().min(0).max(150).describe('Age in full years today (UTC), at least.'),
    max_age: rule.integer().nullable().min(0).max(150).gte('min_age').describe('Age in full years today (UTC), at most.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const today = deps.clock.now();
    const sort = resolveSort(query.sort_by, query.sort_order);
    const { rows, total } = await new CustomerFinder(deps.db).list(tenantId, {
      search: query.search ?? null,
      gender: query.gender ?? null,
      bornOnOrBefore: typeof query.min_age === 'number' ? latestBirthDateForAge(today, query.min_age) : null,
      // At most max_age: not yet max_age + 1.
      bornAfter: typeof query.max_age === 'number' ? latestBirthDateForAge(today, query.max_age + 1) : null,
      sortBy: sort.column,
      direction: sort.direction,
      limit: page.perPage,
      offset: page.offset,
    });
    return paginate(rows.map(customerResource), total);
  },
});
