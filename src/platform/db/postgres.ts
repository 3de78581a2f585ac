import crypto from 'node:crypto';
import pg from 'pg';
import { BeforeCommitTasks, type Db, type DbSession, type Queryable, type QueryOptions, type QueryResult } from './db.js';
import { PostgresChanges } from './postgres-changes.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Ids are bigint in the schema and JSON integers in the API; they stay far below 2^53. */
const types = {
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

async function runQuery<Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<Row>> {
  const result =
    params && params.length > 0 && !options?.planPerCall
      ? await client.query({ name: statementName(sql), text: sql, values: params })
      : await client.query(sql, params as unknown[] | undefined);
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}

async function inTransaction<T>(client: pg.PoolClient, changes: PostgresChanges, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const signals = new Set<string>();
  const tasks = new BeforeCommitTasks();
  const tx: Queryable = {
    query: (sql, params, options) => runQuery(client, sql, params, options),
    signalAfterCommit: (channel) => void signals.add(channel),
    beforeCommit: (key, task, options) => tasks.add(key, task, options),
  };
  await client.query('BEGIN');
  try {
    const result = await work(tx);
    await tasks.run();
    await client.query('COMMIT');
    for (const channel of signals) changes.signal(channel);
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    changes.settle(client);
  }
}

export function openPostgres(url: string, poolSize: number): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, application_name: 'flextell' });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const changes = new PostgresChanges(url);
  pool.on('connect', (client) => changes.track(client));
  // PostgreSQL keeps re-planning the hot list statements (their generic plans look costlier to it than they
  // are: it prices LIMIT $n at a tenth of the tenant), which is most of their database time.
  let genericPool: pg.Pool | null = null;
  const genericPlans = () => {
    if (!genericPool) {
      genericPool = new pg.Pool({
        connectionString: url,
        max: poolSize,
        types,
        application_name: 'flextell',
        options: '-c plan_cache_mode=force_generic_plan',
      });
      genericPool.on('error', () => undefined);
      genericPool.on('connect', (client) => changes.track(client));
    }
    return genericPool;
  };

  /** A statement outside any transaction: committed when it returns, so its change signals are settled then. */
  async function autocommit<T>(client: pg.PoolClient, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      changes.settle(client);
    }
  }

  return {
    kind: 'postgres',
    async query(sql, params, options) {
      const client = await (options?.genericPlan && !options.planPerCall ? genericPlans() : pool).connect();
      try {
        return await autocommit(client, () => runQuery(client, sql, params, options));
      } finally {
        client.release();
      }
    },
    signalAfterCommit: (channel) => changes.signal(channel),
    async transaction(work) {
      const client = await pool.connect();
      try {
        return await inTransaction(client, changes, work);
      } finally {
        client.release();
      }
    },
    async session(work) {
      const client = await pool.connect();
      const session: DbSession = {
        query: (sql, params, options) => autocommit(client, () => runQuery(client, sql, params, options)),
        signalAfterCommit: (channel) => changes.signal(channel),
        exec: (sql) => autocommit(client, async () => void (await client.query(sql))),
        transaction: (inner) => inTransaction(client, changes, inner),
      };
      try {
        return await work(session);
      } finally {
        client.release();
      }
    },
    watchChanges: (channel, listener) => changes.watch(channel, listener),
    tapCommittedSignals: (listener) => changes.tap(listener),
    async close() {
      await changes.close();
      await Promise.all([pool.end(), genericPool?.end()]);
    },
  };
}
