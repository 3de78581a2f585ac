import pg from 'pg';
import { AfterCommitTasks, type Db, type DbSession } from './db.js';
import { PostgresChanges } from './postgres-changes.js';
import { inTransaction, runQuery, types } from './postgres-transaction.js';

export function openPostgres(url: string, poolSize: number): Db {
  // Pipeline mode: a transaction sends its BEGIN with its first statement and its last statement with its COMMIT
  // (postgres-transaction.ts); a client otherwise still runs one statement at a time, as its callers await each.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, application_name: 'flextell', pipeline: true });
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

  const db: Db = {
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
      const afterCommit = new AfterCommitTasks();
      const client = await pool.connect();
      let result;
      try {
        result = await inTransaction(client, changes, work, afterCommit);
      } finally {
        client.release();
      }
      // With the connection back in the pool: a task waiting for a connection must not hold one.
      await afterCommit.run(db);
      return result;
    },
    async session(work) {
      const client = await pool.connect();
      const session: DbSession = {
        query: (sql, params, options) => autocommit(client, () => runQuery(client, sql, params, options)),
        signalAfterCommit: (channel) => changes.signal(channel),
        exec: (sql) => autocommit(client, async () => void (await client.query(sql))),
        async transaction(inner) {
          const afterCommit = new AfterCommitTasks();
          const result = await inTransaction(client, changes, inner, afterCommit);
          await afterCommit.run(db);
          return result;
        },
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
  return db;
}
