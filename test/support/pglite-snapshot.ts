import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite } from '../../src/platform/db/pglite.js';
import { listMigrationFiles, migrate, MIGRATIONS_DIR } from '../../src/platform/db/migrate.js';

/**
 * Creating a PGlite database costs seconds (initdb in WebAssembly); loading a snapshot costs one. The snapshot
 * of a freshly migrated database is cached per migration contents, so every test file starts from it.
 */
/** A digest of the migration files' names and contents: a cached migrated database is reused while it matches. */
export function migrationsDigest(): string {
  const digest = crypto.createHash('sha256');
  for (const file of listMigrationFiles()) digest.update(file).update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  return digest.digest('hex').slice(0, 16);
}

function snapshotPath(): string {
  return path.join(os.tmpdir(), `flextell-pglite-${migrationsDigest()}.tar`);
}

export async function migratedSnapshot(): Promise<Blob> {
  const file = snapshotPath();
  if (!fs.existsSync(file)) {
    const db = await openPglite(null);
    await migrate(db);
    const dump = await db.dumpDataDir();
    await db.close();
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(temporary, file);
  }
  return new Blob([fs.readFileSync(file)]);
}
