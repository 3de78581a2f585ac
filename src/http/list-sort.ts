import { rule } from './validation.js';

/**
 * The sorting rules shared by the directory lists (docs/input.md#lists-sorting-and-search): `sort_by` from a list of columns,
 * `sort_order` asc or desc; `sort_order` defaults to asc when `sort_by` is given, and with neither the list is
 * newest first. Nulls sort last both ways and ties break by id in the same direction, so pages never overlap.
 */
export function sortQuery<C extends string>(columns: readonly C[]) {
  return {
    sort_by: rule.enum(columns).nullable(),
    sort_order: rule.enum(['asc', 'desc'] as const).nullable(),
  };
}

export type SortDirection = 'ASC' | 'DESC';

export function resolveSort<C extends string>(
  sortBy: C | null | undefined,
  sortOrder: 'asc' | 'desc' | null | undefined,
): { column: C | 'created_at'; direction: SortDirection } {
  const order = sortOrder ?? (sortBy ? 'asc' : 'desc');
  return { column: sortBy ?? 'created_at', direction: order === 'asc' ? 'ASC' : 'DESC' };
}

/** Case-insensitive, code-point order whatever the database collation, so PGlite and PostgreSQL sort alike. */
export function textSortKey(expression: string): string {
  return `lower(${expression}) COLLATE "C"`;
}

/** `key DIR NULLS LAST, tie DIR, …`: the ORDER BY of a sorted list (docs/input.md#lists-sorting-and-search). */
export function orderByClause(key: string, direction: SortDirection, tieBreakers: readonly string[]): string {
  return [`${key} ${direction} NULLS LAST`, ...tieBreakers.map((column) => `${column} ${direction}`)].join(', ');
}
