/**
 * The transaction contract both engines keep (src/platform/db/db.ts): on PostgreSQL a transaction's BEGIN leaves
 * with its first statement and `queryLast`'s statement with its COMMIT (pipeline mode, postgres-transaction.ts);
 * the outcomes must be the ones of statements sent one by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inOrder, queryLast, type Db, type QueryResult } from '../../src/platform/db/db.js';
import { joinTransaction } from '../../src/platform/db/joined-transaction.js';
import { openTestDatabase } from '../support/test-database.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await openTestDatabase());
  await db.query('CREATE TABLE tx_probe (id integer PRIMARY KEY, note text)');
});
afterAll(async () => drop?.());

const probes = async () => (await db.query<{ id: number }>('SELECT id FROM tx_probe ORDER BY id')).rows.map((row) => row.id);
const clear = () => db.query('DELETE FROM tx_probe');

describe('a transaction', () => {
  it('undoes its first statement when a later one fails (the first statement ran inside it)', async () => {
    await clear();
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [1]);
        await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await probes()).toEqual([]);
  });

  it('fails, and commits nothing, when a statement failed although its caller looked away', async () => {
    await clear();
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [2]);
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
    ).rejects.toThrow(/roll/i);
    expect(await probes()).toEqual([]);
  });

  it('returns its result when it ran no statement at all', async () => {
    expect(await db.transaction(async () => 'nothing to do')).toBe('nothing to do');
  });
});

describe('queryLast', () => {
  it("gives the last statement's result once the transaction has committed", async () => {
    await clear();
    const last = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [3]);
      return queryLast<{ id: number }>(tx, 'INSERT INTO tx_probe (id) VALUES ($1) RETURNING id', [4]);
    });
    expect((await last.result).rows).toEqual([{ id: 4 }]);
    expect(await probes()).toEqual([3, 4]);
  });

  it('fails the transaction, which commits nothing, when the last statement fails', async () => {
    await clear();
    let last: { result: Promise<QueryResult<Record<string, unknown>>> } | undefined;
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [5]);
        last = await queryLast(tx, 'INSERT INTO tx_probe (id) VALUES ($1)', [5]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    // PostgreSQL sent it with the COMMIT, so the failure reached `result`; PGlite ran it at once and threw there.
    if (db.kind === 'postgres') await expect(last!.result).rejects.toMatchObject({ code: '23505' });
    else expect(last).toBeUndefined();
    expect(await probes()).toEqual([]);
  });

  it('may be the only statement of its transaction', async () => {
    await clear();
    const last = await db.transaction((tx) => queryLast<{ id: number }>(tx, 'INSERT INTO tx_probe (id) VALUES ($1) RETURNING id', [6]));
    expect((await last.result).rows).toEqual([{ id: 6 }]);
    expect(await probes()).toEqual([6]);
  });
});

describe('inOrder', () => {
  it('runs independent statements in the order given and returns their results in that order', async () => {
    await clear();
    const results = await db.transaction((tx) =>
      inOrder(tx, [
        () => tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [7, 'a']),
        () => tx.query("UPDATE tx_probe SET note = note || 'b' WHERE id = $1 RETURNING note", [7]),
        () => tx.query<{ note: string }>('SELECT note FROM tx_probe WHERE id = $1', [7]),
      ]),
    );
    expect(results.map((result) => result.rows)).toEqual([[], [{ note: 'ab' }], [{ note: 'ab' }]]);
  });

  it('fails with the first failure, and the transaction commits nothing', async () => {
    await clear();
    await expect(
      db.transaction((tx) =>
        inOrder(tx, [() => tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [8]), () => tx.query('SELECT 1 / 0'), () => tx.query('SELECT 1')]),
      ),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await probes()).toEqual([]);
  });
});

describe('afterCommit', () => {
  it('runs once per key after the commit, before the call returns; never after a rollback; a failing task fails nothing', async () => {
    await clear();
    const seen: string[] = [];
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (id) VALUES ($1)', [9]);
      tx.afterCommit!('probe', async (database) => void seen.push(`after: ${(await database.query('SELECT count(*)::int AS n FROM tx_probe')).rows[0]!.n}`));
      tx.afterCommit!('probe', async () => void seen.push('the same key again'));
      tx.afterCommit!('failing', async () => Promise.reject(new Error('ignored')));
    });
    expect(seen).toEqual(['after: 1']);
    await expect(
      db.transaction(async (tx) => {
        tx.afterCommit!('probe', async () => void seen.push('after a rollback'));
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect(seen).toEqual(['after: 1']);
  });

  it("of a joined savepoint waits for the outer commit, and a rolled-back savepoint's is dropped", async () => {
    const seen: string[] = [];
    await db.transaction(async (tx) => {
      const joined = joinTransaction(db, tx);
      await joined.transaction(async (inner) => inner.afterCommit!('kept', async () => void seen.push('kept')));
      await joined
        .transaction(async (inner) => {
          inner.afterCommit!('dropped', async () => void seen.push('dropped'));
          throw new Error('savepoint undone');
        })
        .catch(() => undefined);
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['kept']);
  });
});
