import fs from 'node:fs';
import path from 'node:path';

export class DataDirInUseError extends Error {}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per embedded data directory (product.md §4.1). A lock left by a process that is gone (SIGKILL)
 * is taken over; a live owner makes this fail at once with the documented one-line message.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'flextell.lock');
  const content = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, content, { flag: 'wx', mode: 0o600 });
      return () => releaseLock(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number | null = null;
    try {
      owner = Number(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid) || null;
    } catch {
      owner = null;
    }
    if (owner !== null && owner !== process.pid && processAlive(owner)) {
      throw new DataDirInUseError(
        `The data directory ${dataDir} is in use by process ${owner}. Stop it first, or use DATABASE_URL for several processes.`,
      );
    }
    // Stale: its process is gone. Remove it and race for it again.
    fs.rmSync(lockPath, { force: true });
  }
  throw new DataDirInUseError(`The data directory ${dataDir} is in use. Stop the other process first, or use DATABASE_URL for several processes.`);
}

function releaseLock(lockPath: string): void {
  try {
    const owner = Number(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid);
    if (owner === process.pid) fs.rmSync(lockPath, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}
