import { DEFAULT_PER_PAGE, MAX_PER_PAGE, pageRequest, parsePerPage, resolvePage } from './pagination.js';
import { rule, validateFields, type RuleContext } from './validation.js';
import type { PageRequest } from './define-route.js';
import type { FieldErrors } from './errors.js';

/**
 * The query fields of every paginated route, declared like any other input (docs/pagination.md#per_page-and-page):
 * `per_page` is `nullable|integer|min:1|max:100`; `page` is never refused (an invalid page is page 1). Both read their
 * value as PHP's filter_var does, so a NUL makes `per_page` "not an integer" and `page` page 1 instead of the NUL
 * message of other fields (docs/input.md#nul-characters).
 */
export const PAGE_FIELDS = {
  per_page: rule.parsedInteger(parsePerPage).allowNul().nullable().min(1).max(MAX_PER_PAGE).describe(`Items per page (default ${DEFAULT_PER_PAGE}).`),
  page: rule
    .parsedInteger((raw) => ({ ok: true, value: resolvePage(raw) }))
    .allowNul()
    .nullable()
    .min(1)
    .describe('Page number; invalid values mean page 1.'),
};

/** Validates `per_page` and `page` of a query (failures go into `errors`, before the route's own fields). */
export async function readPageRequest(input: Record<string, unknown>, context: RuleContext, errors: FieldErrors): Promise<PageRequest> {
  const values = await validateFields(PAGE_FIELDS, input, 'query', context, errors);
  return pageRequest(values.per_page ?? DEFAULT_PER_PAGE, values.page ?? 1);
}
