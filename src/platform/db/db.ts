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
  /**
   * Run on a connection that reuses one generic plan per statement (PostgreSQL `plan_cache_mode =
   * force_generic_plan`), so a call costs no planning. Only for hot statements whose generic plan is checked to
   * use the same indexes as a custom one (test/api/list-plan.test.ts). Ignored inside a transaction and on PGlite.
   */
  genericPlan?: boolean;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
  /**
   * Signals `channel` to its watchers (Db.watchChanges) in every process once the work done through this Queryable
   * is committed: at the end of its transaction, or at once outside one (the statement has committed); never after a
   * rollback. How the job queue wakes workers without anyone having to remember to.
   */
  signalAfterCommit?(channel: string): void;
  /**
   * Runs `task` once, when this transaction's work is done, before COMMIT (a second call with the same key is
   * ignored); `last` tasks after the others. Only a transaction has it: the event log appends its buffered events
   * this way, so the append is the transaction's last statement (docs/events.md).
   */
  beforeCommit?(key: string, task: () => Promise<void>, options?: { last?: boolean }): void;
  /**
   * Runs `task` once after this transaction has committed, before the call that ran the transaction returns (a
   * second call with the same key is ignored); never after a rollback. The task gets the database, for transactions
   * of its own; its failure is its own business (the transaction has committed), so tasks catch their errors. Only a
   * transaction has it: the event log moves the events the transaction staged into the log this way (docs/events.md).
   */
  afterCommit?(key: string, task: (db: Db) => Promise<void>): void;
  /**
   * Sends `sql` as one of this transaction's last statements, with its COMMIT (one round trip instead of two). The
   * promise settles once the transaction has ended: with the statement's result, or rejected when nothing
   * committed; the transaction's own call fails then too. Await it only after the transaction's call, never inside
   * its work. Only a PostgreSQL transaction has it: elsewhere, run the statement with `query`.
   */
  queryWithCommit?<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /**
   * True where statements submitted before the previous one answered leave together and still run in order (a
   * PostgreSQL transaction, in pipeline mode); elsewhere submit one at a time. Use `inOrder` rather than reading it.
   */
  readonly pipelines?: boolean;
}

/**
 * Runs `statements` in order on `tx` and returns their results: all submitted at once where `tx` pipelines (one
 * round trip for all of them), else each after the previous one. For independent statements only: none may need
 * another's result, and the first failure fails the whole (the transaction is lost anyway).
 */
export async function inOrder<T>(tx: Queryable, statements: readonly (() => Promise<T>)[]): Promise<T[]> {
  if (tx.pipelines) {
    const settled = await Promise.allSettled(statements.map((statement) => statement()));
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
  }
  const results: T[] = [];
  for (const statement of statements) results.push(await statement());
  return results;
}

/** The tasks a transaction runs before its COMMIT, in the order they were first asked for. */
export class BeforeCommitTasks {
  private readonly tasks = new Map<string, { task: () => Promise<void>; last: boolean }>();

  add(key: string, task: () => Promise<void>, options: { last?: boolean } = {}): void {
    if (!this.tasks.has(key)) this.tasks.set(key, { task, last: options.last === true });
  }

  async run(): Promise<void> {
    const tasks = [...this.tasks.values()];
    for (const { task } of tasks.filter((entry) => !entry.last)) await task();
    for (const { task } of tasks.filter((entry) => entry.last)) await task();
  }
}

/** The tasks a transaction runs after its COMMIT, in the order they were first asked for. */
export class AfterCommitTasks {
  private readonly tasks = new Map<string, (db: Db) => Promise<void>>();

  add(key: string, task: (db: Db) => Promise<void>): void {
    if (!this.tasks.has(key)) this.tasks.set(key, task);
  }

  /** Never throws: the work they follow has committed, and its caller must not take it for failed. */
  async run(db: Db): Promise<void> {
    for (const task of this.tasks.values()) await task(db).catch(() => undefined);
  }
}

export interface DbSession extends Queryable {
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/**
 * What a change watcher hears: `changed` once a transaction that fired the channel's signal trigger
 * (migration 0013) has committed; `lost` / `restored` when this process cannot / can again hear other processes'
 * changes, so a cache must not serve in between.
 */
export type ChangeEvent = 'changed' | 'lost' | 'restored';

/** Adds `listener` to the watchers of `channel` and returns what removes it again (the channel too, once unwatched). */
export function addWatcher<Listener>(watchers: Map<string, Set<Listener>>, channel: string, listener: Listener): () => void {
  let listeners = watchers.get(channel);
  if (!listeners) watchers.set(channel, (listeners = new Set()));
  listeners.add(listener);
  return () => {
    const current = watchers.get(channel);
    current?.delete(listener);
    if (current?.size === 0) watchers.delete(channel);
  };
}

/** The one NOTIFY channel of migration 0013's signal triggers; the payload names the logical channel. */
export const CHANGE_NOTIFY_CHANNEL = 'flextell_changes';

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Calls `listener` on changes signalled on `channel` by any process. Changes this process commits are heard
   * before its query or transaction promise resolves; other processes' changes shortly after they commit.
   * Starts in the `restored` state when it resolves, to a function that stops this listener (watchers that come and
   * go, such as a visitor's stream, call it so nothing is kept for them).
   */
  watchChanges(channel: string, listener: (event: ChangeEvent) => void): Promise<() => void>;
  /**
   * Hears every channel this process signals after a commit (signalAfterCommit), watched or not, and returns what
   * stops it. Only PostgreSQL has it: with several processes, a relay (the event bus over Redis) forwards them.
   */
  tapCommittedSignals?(listener: (channel: string) => void): () => void;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated connection for work that must stay on one session (advisory locks). */
  session<T>(work: (session: DbSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Lets the caller's transaction commit without waiting for its WAL flush (`synchronous_commit = off`, this transaction
 * only). Only for work that is redone from durable input when a crash loses the commit: the commit is visible at
 * once, and any later durable commit flushes it too, but a crash of the database within a fraction of a second can
 * undo it (docs/channels.md#processing-inbound-events: processing re-runs from the stored event).
 */
export async function commitWithoutFlushWait(tx: Queryable): Promise<void> {
  await tx.query('SET LOCAL synchronous_commit = off');
}

/**
 * Runs `sql` as the last statement of the transaction `tx`, sent with its COMMIT where the engine can
 * (Queryable.queryWithCommit), else at once. Call it as the transaction's last work; its `result` settles once the
 * transaction has ended, so await it only after the transaction's call (a failure fails that call too).
 */
export async function queryLast<Row = Record<string, unknown>>(tx: Queryable, sql: string, params?: unknown[]): Promise<{ result: Promise<QueryResult<Row>> }> {
  if (tx.queryWithCommit) {
    const result = tx.queryWithCommit<Row>(sql, params);
    // Observed here so a caller that only needs the transaction's own outcome may leave it.
    result.catch(() => undefined);
    return { result };
  }
  return { result: Promise.resolve(await tx.query<Row>(sql, params)) };
}

/** PostgreSQL error codes the services translate into domain outcomes. */
export const PG_UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: string; constraint?: string } | null;
  if (candidate?.code !== PG_UNIQUE_VIOLATION) return false;
  return constraint === undefined || candidate.constraint === constraint;
}

/** A round trip to the database (the health check): throws when it is unreachable. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
