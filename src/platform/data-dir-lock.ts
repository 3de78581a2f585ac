import fs from 'node:fs';
import path from 'node:path';
import { tryLock } from 'fs-native-extensions';
import { makeDataDirPrivate, prepareDataDir } from './data-dir-modes.js';

export class DataDirInUseError extends Error {}

const OWNER_WAIT_MS = 200;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): number | null {
  try {
    return Number(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid) || null;
  } catch {
    return null;
  }
}

/**
 * The holder writes its pid just after it locks, so for a moment the file may still name a dead former holder:
 * wait briefly for a live one to name in the message.
 */
function currentOwner(lockPath: string): number | null {
  const deadline = Date.now() + OWNER_WAIT_MS;
  for (;;) {
    const owner = readOwner(lockPath);
    if (owner !== null && owner !== process.pid && processAlive(owner)) return owner;
    if (Date.now() > deadline) return null;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

function inUse(dataDir: string, owner: number | null): DataDirInUseError {
  const by = owner === null ? 'another process' : `process ${owner}`;
  return new DataDirInUseError(`The data directory ${dataDir} is in use by ${by}. Stop it first, or use DATABASE_URL for several processes.`);
}

function isSameFile(fd: number, lockPath: string): boolean {
  try {
    const held = fs.fstatSync(fd);
    const named = fs.statSync(lockPath);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}

/**
 * One process per embedded data directory (README "Storage modes"). The lock is an OS file lock on `flextell.lock`,
 * so exactly one of any number of racing processes gets it, and the kernel releases it when its holder dies
 * (even by SIGKILL): a crashed holder leaves nothing to take over. The file names the holder's pid for the message.
 * The directory and everything in it is made private to this user first (data-dir-modes.ts).
 */
export function acquireDataDirLock(dataDir: string): () => void {
  prepareDataDir(dataDir);
  const lockPath = path.join(dataDir, 'flextell.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    const fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    let locked = false;
    try {
      locked = tryLock(fd);
    } finally {
      if (!locked) fs.closeSync(fd);
    }
    if (!locked) throw inUse(dataDir, currentOwner(lockPath));
    // A releasing holder deletes the file: a lock won on that deleted file guards nothing, so open the path again.
    if (!isSameFile(fd, lockPath)) {
      fs.closeSync(fd);
      continue;
    }
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }), 0);
    try {
      makeDataDirPrivate(dataDir);
    } catch (error) {
      releaseLock(fd, lockPath);
      throw error;
    }
    return () => releaseLock(fd, lockPath);
  }
  throw inUse(dataDir, null);
}

/** Deletes the file while still holding its lock (a contender that opened it sees the deletion), then unlocks. */
function releaseLock(fd: number, lockPath: string): void {
  try {
    if (isSameFile(fd, lockPath)) fs.rmSync(lockPath, { force: true });
    fs.closeSync(fd);
  } catch {
    // Already released.
  }
}
