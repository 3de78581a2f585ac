import crypto from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/platform/db/db.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { migratedSnapshot, migrationsDigest } from './pglite-snapshot.js';

export type Engine = 'pglite' | 'postgres';

export function currentEngine(): Engine {
  return process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(base: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A migrated template database on the test server, made once per migration digest: every test file's database is a
 * copy of it (`CREATE DATABASE … TEMPLATE`), a file copy on the server instead of fifteen migrations per file. Test
 * files run in parallel, so the first to need it builds it under an advisory lock and the others wait for it.
 */
export async function migratedTemplate(base: string): Promise<string> {
  const name = `flextell_template_${migrationsDigest()}`;
  await withAdmin(base, async (admin) => {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rows.length > 0) return;
      const building = `${name}_build_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'`);
      const db = openPostgres(databaseUrl(base, building), 1);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      // Renamed only once complete: a half-migrated template is never copied.
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return name;
}

/** A fresh, migrated database per test file: in-memory PGlite from a snapshot, or a copy of the PostgreSQL template. */
export async function openTestDatabase(): Promise<{ db: Db; engine: Engine; drop: () => Promise<void> }> {
  if (currentEngine() === 'pglite') {
    const db = await openPglite(null, { loadDataDir: await migratedSnapshot() });
    return { db, engine: 'pglite', drop: () => db.close() };
  }
  const { url, drop } = await createServerDatabase(await migratedTemplate(process.env.TEST_DATABASE_URL!));
  const db = openPostgres(url, 10);
  return {
    db,
    engine: 'postgres',
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

/** An unmigrated database of the engine under test (migration tests build an older release's schema in it). */
export async function openEmptyTestDatabase(): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (currentEngine() === 'pglite') {
    const db = await openPglite(null);
    return { db, drop: () => db.close() };
  }
  const { url, drop } = await createServerDatabase();
  const db = openPostgres(url, 2);
  return {
    db,
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

/**
 * A new database on the test PostgreSQL server (TEST_DATABASE_URL), copied from `template` or, without one, empty
 * (for tests whose real processes migrate it themselves); `drop` removes it even while connections remain.
 */
export async function createServerDatabase(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `flextell_test_${crypto.randomBytes(6).toString('hex')}`;
  const source = template ?? `template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'`;
  await withAdmin(base, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${source}`));
  return {
    url: databaseUrl(base, name),
    drop: () => withAdmin(base, async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
