import crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import pg from 'pg';
import { AfterCommitTasks, BeforeCommitTasks, type Queryable, type QueryOptions, type QueryResult } from './db.js';
import type { PostgresChanges } from './postgres-changes.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Ids are bigint in the schema and JSON integers in the API; they stay far below 2^53. */
export const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

const statementNames = new Map<string, string>();

/**
 * Parameterised statements run as named prepared statements: each connection plans a query text once instead of
 * on every call (planning costs more than executing the hot list queries). Query texts are fixed in the code, so
 * the set of names stays small.
 */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

export async function runQuery<Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<Row>> {
  const result =
    params && params.length > 0 && !options?.planPerCall
      ? await client.query({ name: statementName(sql), text: sql, values: params })
      : await client.query(sql, params as unknown[] | undefined);
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}

/**
 * Holds the connection's writes until the current synchronous code has run, so the statements it submits leave in
 * one write. A round trip is the main cost of a short statement on a busy host: each costs a system call on both
 * sides. node-postgres' `connection` is not typed; pipeline mode (openPostgres) submits without waiting for replies.
 */
function writeTogether(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  if (!stream || stream.writableCorked > 0) return;
  stream.cork();
  process.nextTick(() => stream.uncork());
}

/** Waits for every promise; rejects with the first failure once all have settled (none is left unobserved). */
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

interface FinalStatement {
  sql: string;
  params: unknown[] | undefined;
  settle: { resolve: (result: QueryResult<never>) => void; reject: (error: unknown) => void };
}

/**
 * One transaction on `client` in three round trips fewer than BEGIN, statements, COMMIT each awaited: BEGIN leaves
 * with the first statement, and the statements given to `queryWithCommit` leave with the COMMIT. A transaction
 * that runs no statement sends nothing. A COMMIT that PostgreSQL answers with ROLLBACK (an earlier statement failed
 * unseen) is an error, never a success.
 */
export async function inTransaction<T>(
  client: pg.PoolClient,
  changes: PostgresChanges,
  work: (tx: Queryable) => Promise<T>,
  afterCommit: AfterCommitTasks,
): Promise<T> {
  const signals = new Set<string>();
  const tasks = new BeforeCommitTasks();
  const finals: FinalStatement[] = [];
  let begun = false;
  const tx: Queryable = {
    async query<Row>(sql: string, params?: unknown[], options?: QueryOptions) {
      writeTogether(client);
      if (begun) return runQuery<Row>(client, sql, params, options);
      begun = true;
      const [, result] = await allSettled<[unknown, QueryResult<Row>]>([client.query('BEGIN'), runQuery<Row>(client, sql, params, options)]);
      return result;
    },
    pipelines: true,
    signalAfterCommit: (channel) => void signals.add(channel),
    beforeCommit: (key, task, options) => tasks.add(key, task, options),
    afterCommit: (key, task) => afterCommit.add(key, task),
    queryWithCommit<Row>(sql: string, params?: unknown[]) {
      return new Promise<QueryResult<Row>>((resolve, reject) => {
        finals.push({ sql, params, settle: { resolve: resolve as FinalStatement['settle']['resolve'], reject } });
      });
    },
  };
  try {
    const result = await work(tx);
    await tasks.run();
    if (finals.length > 0 || begun) await commit(client, begun, finals);
    for (const channel of signals) changes.signal(channel);
    return result;
  } catch (error) {
    for (const final of finals) final.settle.reject(error);
    if (begun) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    changes.settle(client);
  }
}

async function commit(client: pg.PoolClient, begun: boolean, finals: FinalStatement[]): Promise<void> {
  writeTogether(client);
  const opening: Promise<unknown>[] = begun ? [] : [client.query('BEGIN')];
  const statements = finals.map((final) => runQuery<never>(client, final.sql, final.params));
  const outcomes = await Promise.allSettled([...opening, ...statements, client.query('COMMIT')]);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const values = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
  if ((values.at(-1) as pg.QueryResult).command !== 'COMMIT') throw new Error('The database rolled the transaction back: one of its statements failed.');
  finals.forEach((final, index) => final.settle.resolve(values[opening.length + index] as QueryResult<never>));
}
