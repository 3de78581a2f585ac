import fs from 'node:fs';
import path from 'node:path';

/** The data directory holds the encryption key, password hashes and every tenant's rows (README "Storage modes"). */
export class DataDirAccessError extends Error {}

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

function refuse(dataDir: string, entry: string, reason: string): DataDirAccessError {
  return new DataDirAccessError(
    `The data directory ${dataDir} cannot be made private to this user (${entry}: ${reason}). ` +
      "It holds the encryption key, password hashes and every tenant's data: give this user ownership of it " +
      '(chown -R) or choose another FLEXTELL_DATA_DIR.',
  );
}

function makePrivate(dataDir: string, entry: string, stat: fs.Stats): void {
  const wanted = stat.isDirectory() ? PRIVATE_DIRECTORY : PRIVATE_FILE;
  if ((stat.mode & 0o777) === wanted) return;
  try {
    fs.chmodSync(entry, wanted);
  } catch (error) {
    throw refuse(dataDir, entry, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  // Some file systems (FAT, many network mounts) accept chmod and ignore it.
  if ((fs.statSync(entry).mode & 0o077) !== 0) throw refuse(dataDir, entry, 'this file system ignores permissions');
}

/**
 * Creates the data directory private (0700) and makes everything written later private too, through the process
 * umask: PGlite creates its files with it, as does local file storage. Call before taking the lock.
 */
export function prepareDataDir(dataDir: string): void {
  process.umask(0o077);
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIRECTORY });
  } catch (error) {
    throw refuse(dataDir, dataDir, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  makePrivate(dataDir, dataDir, fs.statSync(dataDir));
}

function makeTreePrivate(dataDir: string, root: string, descend: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(root);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) return;
  makePrivate(dataDir, root, stat);
  if (descend && stat.isDirectory()) for (const name of fs.readdirSync(root)) makeTreePrivate(dataDir, path.join(root, name), true);
}

/** What the product keeps in a data directory; anything else someone put there is left alone. */
const OWN_ENTRIES = ['pgdata', 'flextell.lock', 'demo.json', 'storage'];

/**
 * Brings an existing data directory (written before this rule, or copied in) to directories 0700 and files 0600:
 * the whole database (`pgdata`, as PostgreSQL itself insists) and the product's entries beside it. Local file
 * storage is not walked (it can hold millions of files); the private directories above it already shut others out.
 * Call under the lock: nothing else writes there then.
 */
export function makeDataDirPrivate(dataDir: string): void {
  makeTreePrivate(dataDir, dataDir, false);
  for (const name of OWN_ENTRIES) makeTreePrivate(dataDir, path.join(dataDir, name), name === 'pgdata');
}

/**
 * PGlite sets modes itself after it opens (0666 on the files of a new database, 0644 on the relation cache files
 * it rewrites at every start), ignoring the umask: walk its directory again once it is open.
 */
export function makeDatabaseFilesPrivate(databaseDir: string): void {
  makeTreePrivate(databaseDir, databaseDir, true);
}
