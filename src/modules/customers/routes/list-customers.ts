import { customerSchema, paginatorSchema } from '../../../http/openapi-schemas.js';
import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { CUSTOMER_SORT_COLUMNS, CustomerFinder } from '../customer.finder.js';
import { customerResource, GENDERS } from '../customer.resource.js';

/** The last day someone born on it is `years` old today (UTC); 29 February falls back to the 28th. */
export function birthdayCutoff(today: Date, years: number): string {
  const year = today.getUTCFullYear() - years;
  const month = today.getUTCMonth();
  const lastDayOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(today.getUTCDate(), lastDayOfMonth))).toISOString().slice(0, 10);
}

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
    sort_by: rule.enum(CUSTOMER_SORT_COLUMNS).nullable(),
    sort_order: rule.enum(['asc', 'desc'] as const).nullable(),
    gender: rule.enum(GENDERS).nullable(),
    min_age: rule.integer().nullable().min(0).max(150).describe('Age in full years today (UTC), at least.'),
    max_age: rule.integer().nullable().min(0).max(150).gte('min_age').describe('Age in full years today (UTC), at most.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const today = deps.clock.now();
    const { rows, total } = await new CustomerFinder(deps.db).list(tenantId, {
      search: query.search ?? null,
      gender: query.gender ?? null,
      bornOnOrBefore: typeof query.min_age === 'number' ? birthdayCutoff(today, query.min_age) : null,
      bornAfter: typeof query.max_age === 'number' ? birthdayCutoff(today, query.max_age + 1) : null,
      sortBy: query.sort_by ?? 'created_at',
      descending: query.sort_order ? query.sort_order === 'desc' : !query.sort_by,
      limit: page.perPage,
      offset: page.offset,
    });
    return paginate(rows.map(customerResource), total);
  },
});
