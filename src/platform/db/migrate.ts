import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

/** The same folder from src/ (tests) and dist/ (built): both sit two levels below the package root. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/** Arbitrary but fixed: every process that migrates the same database waits on this lock. */
const MIGRATION_LOCK_KEY = 7_046_313_370;

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Migration ${file} failed: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

export function listMigrationFiles(directory = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(directory)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort();
}

export interface MigrateOptions {
  /** Stops after the migration with this 4-digit number (tests build a database as an older release left it). */
  through?: string;
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that several
 * processes starting at once apply each file exactly once. Returns the files this run applied.
 * The first failure stops the run and is not recorded.
 */
export async function migrate(db: Db, onApplied: (file: string) => void = () => undefined, options: MigrateOptions = {}): Promise<string[]> {
  return db.session(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await session.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await session.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name));
      const applied: string[] = [];
      for (const file of listMigrationFiles()) {
        if (options.through !== undefined && file.slice(0, 4) > options.through) break;
        if (done.has(file)) continue;
        const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
        await session.exec('BEGIN');
        try {
          await session.exec(sql);
          await session.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await session.exec('COMMIT');
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => undefined);
          throw new MigrationError(file, error);
        }
        applied.push(file);
        onApplied(file);
      }
      return applied;
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

/** Readiness: true when every migration file on disk is recorded as applied. */
export async function migrationsPending(db: Db): Promise<boolean> {
  const files = listMigrationFiles();
  const result = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
  const done = new Set(result.rows.map((row) => row.name));
  return files.some((file) => !done.has(file));
}
