/**
 * One database interface over PGlite (embedded) and PostgreSQL (pg), speaking one SQL dialect.
 * Repositories only ever see `Queryable`, so the same code runs inside or outside a transaction.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Plan this call for its actual values instead of reusing a prepared (generic) plan. For queries whose best plan
   * depends on the values, such as LIKE patterns that a trigram index serves only when it can see them.
   */
  planPerCall?: boolean;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
}

export interface DbSession extends Queryable {
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated connection for work that must stay on one session (advisory locks). */
  session<T>(work: (session: DbSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL error codes the services translate into domain outcomes. */
export const PG_UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: string; constraint?: string } | null;
  if (candidate?.code !== PG_UNIQUE_VIOLATION) return false;
  return constraint === undefined || candidate.constraint === constraint;
}
