import crypto from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/platform/db/db.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { migratedSnapshot } from './pglite-snapshot.js';

export type Engine = 'pglite' | 'postgres';

export function currentEngine(): Engine {
  return process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, empty database per test file: in-memory PGlite, or a new database on the test PostgreSQL server. */
export async function openTestDatabase(): Promise<{ db: Db; engine: Engine; drop: () => Promise<void> }> {
  if (currentEngine() === 'pglite') {
    const db = await openPglite(null, { loadDataDir: await migratedSnapshot() });
    return { db, engine: 'pglite', drop: async () => undefined };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `flextell_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'`);
  await admin.end();
  const db = openPostgres(databaseUrl(base, name), 10);
  return {
    db,
    engine: 'postgres',
    drop: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: base });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
