import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { makeDatabaseFilesPrivate, prepareDataDir } from '../data-dir-modes.js';
import { addWatcher, AfterCommitTasks, BeforeCommitTasks, CHANGE_NOTIFY_CHANNEL, type ChangeEvent, type Db, type DbSession, type Queryable } from './db.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function wrap(target: PGlite | Transaction, signalAfterCommit: (channel: string) => void): Queryable {
  return {
    async query(sql, params) {
      const result = await target.query(sql, params as unknown[] | undefined);
      // PGlite reports affectedRows 0 for a SELECT; pg counts the rows returned. Agree with pg.
      return { rows: result.rows as never[], rowCount: Math.max(result.rows.length, result.affectedRows ?? 0) };
    },
    signalAfterCommit,
  };
}

/**
 * The embedded engine. PGlite is a single connection that already queues queries and transactions,
 * so a transaction here is exclusive, exactly as one PostgreSQL connection would be.
 * `dataDir` null keeps the database in memory (tests).
 */
export interface PgliteDb extends Db {
  /** A snapshot of the whole database (tests start each file from a migrated snapshot). */
  dumpDataDir(): Promise<Blob>;
}

export async function openPglite(dataDir: string | null, options: { loadDataDir?: Blob } = {}): Promise<PgliteDb> {
  // Files PGlite creates while running get their mode from the umask this sets (README "Storage modes").
  if (dataDir) prepareDataDir(dataDir);
  const database = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: { pg_trgm },
    parsers: { [INT8_OID]: (value: string) => Number(value), [NUMERIC_OID]: (value: string) => Number(value) },
  });
  if (dataDir) makeDatabaseFilesPrivate(dataDir);
  // One process owns the database, so committed signals only need to reach this process's watchers.
  const signalled = new Map<string, Set<(event: ChangeEvent) => void>>();
  const signal = (channel: string) => {
    for (const listener of signalled.get(channel) ?? []) listener('changed');
  };
  let listening: Promise<unknown> | null = null;
  const base = wrap(database, signal);
  const transaction = async <T>(work: (tx: Queryable) => Promise<T>) => {
    const signals = new Set<string>();
    const afterCommit = new AfterCommitTasks();
    const result = await database.transaction(async (tx) => {
      const tasks = new BeforeCommitTasks();
      const result = await work({
        ...wrap(tx, (channel) => void signals.add(channel)),
        beforeCommit: (key, task, options) => tasks.add(key, task, options),
        afterCommit: (key, task) => afterCommit.add(key, task),
      });
      await tasks.run();
      return result;
    });
    for (const channel of signals) signal(channel);
    await afterCommit.run(db);
    return result;
  };
  const session: DbSession = {
    query: base.query,
    signalAfterCommit: signal,
    exec: async (sql) => {
      await database.exec(sql);
    },
    transaction,
  };
  const db: PgliteDb = {
    kind: 'pglite',
    query: base.query,
    signalAfterCommit: signal,
    transaction,
    session: (work) => work(session),
    // One process owns the data directory, and PGlite delivers a NOTIFY before the committing call resolves. One
    // LISTEN serves every watcher: its payload names the channel.
    async watchChanges(channel, listener) {
      listening ??= database.listen(CHANGE_NOTIFY_CHANNEL, (payload) => signal(payload));
      await listening;
      const stop = addWatcher(signalled, channel, listener);
      listener('restored');
      return stop;
    },
    close: () => database.close(),
    dumpDataDir: () => database.dumpDataDir('none'),
  };
  return db;
}
