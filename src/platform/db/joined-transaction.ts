import { BeforeCommitTasks, type Db, type Queryable } from './db.js';

export interface JoinedDb extends Db {
  /** Ends the join: from now on every call goes to the underlying database again (work left running after the request). */
  detach(): void;
}

let savepoints = 0;

/**
 * A `Db` whose statements all run in one open transaction `tx` of `base`: `query` joins it, and `transaction` becomes
 * a savepoint inside it, so a service's transaction keeps its all-or-nothing meaning (its failure rolls back only its
 * own writes) while everything commits or rolls back with `tx`. How an idempotent request commits its stored answer
 * with the request's own writes (docs/idempotency.md#one-transaction) without the services knowing.
 * Change signals wait for the outer commit; those of a rolled-back savepoint are dropped.
 */
export function joinTransaction(base: Db, tx: Queryable): JoinedDb {
  let joined = true;
  const target = (): Queryable => (joined ? tx : base);
  return {
    kind: base.kind,
    query: (sql, params, options) => target().query(sql, params, options),
    signalAfterCommit: (channel) => target().signalAfterCommit?.(channel),
    async transaction(work) {
      if (!joined) return base.transaction(work);
      const name = `joined_${++savepoints}`;
      const signals = new Set<string>();
      // The service's before-commit work (its events, docs/events.md) runs when its savepoint's work is done: it
      // belongs to that savepoint and is rolled back with it.
      const tasks = new BeforeCommitTasks();
      const afterCommit: { key: string; task: (db: Db) => Promise<void> }[] = [];
      const inner: Queryable = {
        query: (sql, params, options) => tx.query(sql, params, options),
        signalAfterCommit: (channel) => void signals.add(channel),
        beforeCommit: (key, task, options) => tasks.add(key, task, options),
        // Work after the commit waits for the outer one; a rolled-back savepoint's is dropped with it.
        afterCommit: (key, task) => afterCommit.push({ key, task }),
      };
      await tx.query(`SAVEPOINT ${name}`);
      try {
        const result = await work(inner);
        await tasks.run();
        await tx.query(`RELEASE SAVEPOINT ${name}`);
        for (const channel of signals) tx.signalAfterCommit?.(channel);
        for (const { key, task } of afterCommit) tx.afterCommit?.(key, task);
        return result;
      } catch (error) {
        await tx.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw error;
      }
    },
    session: (work) => base.session(work),
    watchChanges: (channel, listener) => base.watchChanges(channel, listener),
    close: () => Promise.reject(new Error('A joined transaction does not own its database.')),
    detach: () => void (joined = false),
  };
}
