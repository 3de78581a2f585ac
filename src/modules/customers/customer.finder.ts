import { orderByClause, textSortKey, type SortDirection } from '../../http/list-sort.js';
import type { Queryable } from '../../platform/db/db.js';
import { containsPattern } from '../../platform/db/like-pattern.js';
import type { CustomerView, Gender } from './customer.resource.js';
import { digitsOf } from './phone.js';

export const CUSTOMER_SORT_COLUMNS = ['first_name', 'last_name', 'date_of_birth', 'gender', 'created_at', 'updated_at'] as const;
export type CustomerSortColumn = (typeof CUSTOMER_SORT_COLUMNS)[number];
const TEXT_COLUMNS: ReadonlySet<CustomerSortColumn> = new Set(['first_name', 'last_name', 'gender']);

export interface CustomerListFilter {
  search: string | null;
  gender: Gender | null;
  /** Born on or before this day (YYYY-MM-DD): at least min_age today. */
  bornOnOrBefore: string | null;
  /** Born after this day (YYYY-MM-DD): at most max_age today. */
  bornAfter: string | null;
  sortBy: CustomerSortColumn;
  direction: SortDirection;
  limit: number;
  offset: number;
}

/** The view's columns; the date of birth as text, so no driver turns the calendar date into a local-time instant. */
const VIEW_COLUMNS = `c.id, c.first_name, c.last_name, c.phone_number, c.email, to_char(c.date_of_birth, 'YYYY-MM-DD') AS date_of_birth,
       c.gender, co.name AS country_name, c.identity_number, c.job, c.address, c.default_channel_id, c.avatar_url,
       u.id AS related_user_id, u.name AS related_user_name, c.created_at, c.updated_at, c.deleted_at`;
const VIEW_JOINS = `LEFT JOIN countries co ON co.id = c.country_id
       LEFT JOIN users u ON u.id = c.related_user_id`;

/**
 * The digits a phone search also looks for (docs/domain-rules.md#customers): a term of at least 3 digits once separators
 * are gone, without its trunk or international prefix zeros; null when the term is not such a number.
 */
export function phoneSearchDigits(term: string): string | null {
  const compact = term.replace(/[ +\-.()/]/g, '');
  if (!/^[0-9]{3,}$/.test(compact)) return null;
  const digits = digitsOf(compact).replace(/^0+/, '');
  return digits === '' ? null : digits;
}

function orderBy(column: CustomerSortColumn, direction: SortDirection): string {
  return orderByClause(TEXT_COLUMNS.has(column) ? textSortKey(`c.${column}`) : `c.${column}`, direction, ['c.id']);
}

/** Reads of customers: the list with its filters and exact total, and one customer in the same shape. */
export class CustomerFinder {
  constructor(private readonly db: Queryable) {}

  async list(tenantId: number, filter: CustomerListFilter): Promise<{ rows: CustomerView[]; total: number }> {
    const where = ['c.tenant_id = $1', 'c.deleted_at IS NULL'];
    const params: unknown[] = [tenantId];
    const add = (value: unknown) => `$${params.push(value)}`;
    if (filter.search !== null) {
      const pattern = `lower(${add(containsPattern(filter.search))})`;
      const branches = [`c.search_text LIKE ${pattern}`, `lower(c.identity_number) LIKE ${pattern}`];
      const digits = phoneSearchDigits(filter.search);
      if (digits !== null) branches.push(`c.phone_digits LIKE ${add(`%${digits}%`)}`);
      where.push(`(${branches.join(' OR ')})`);
    }
    if (filter.gender !== null) where.push(`c.gender = ${add(filter.gender)}`);
    if (filter.bornOnOrBefore !== null) where.push(`c.date_of_birth <= ${add(filter.bornOnOrBefore)}::date`);
    if (filter.bornAfter !== null) where.push(`c.date_of_birth > ${add(filter.bornAfter)}::date`);
    const whereSql = where.join(' AND ');
    const filterParams = [...params];
    const pageSql = `SELECT ${VIEW_COLUMNS} FROM customers c ${VIEW_JOINS}
      WHERE ${whereSql} ORDER BY ${orderBy(filter.sortBy, filter.direction)}
      LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`;
    // A generic plan cannot see the search pattern, so it cannot tell that the trigram indexes find few rows.
    const options = { planPerCall: filter.search !== null };
    const [page, total] = await Promise.all([
      this.db.query<CustomerView>(pageSql, params, options),
      // Exact totals are part of the paginator; the count is filtered by tenant through its leading index column.
      this.db.query<{ total: number }>(`SELECT count(*)::bigint AS total FROM customers c WHERE ${whereSql}`, filterParams, options),
    ]);
    return { rows: page.rows, total: Number(total.rows[0]?.total ?? 0) };
  }

  async findById(tenantId: number, customerId: number): Promise<CustomerView | null> {
    const result = await this.db.query<CustomerView>(
      `SELECT ${VIEW_COLUMNS} FROM customers c ${VIEW_JOINS} WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL`,
      [tenantId, customerId],
    );
    return result.rows[0] ?? null;
  }

  /** Several customers, deleted ones too (a `customer.deleted` event shows `deleted_at`). */
  async findAnyByIds(tenantId: number, customerIds: readonly number[]): Promise<CustomerView[]> {
    const result = await this.db.query<CustomerView>(
      `SELECT ${VIEW_COLUMNS} FROM customers c ${VIEW_JOINS} WHERE c.tenant_id = $1 AND c.id = ANY($2::bigint[])`,
      [tenantId, customerIds],
    );
    return result.rows;
  }
}
