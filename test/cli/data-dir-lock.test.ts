import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exited, killHard, ROOT } from '../support/processes.js';

const CONTENDERS = 12;
const TRIALS = 10;
const directories: string[] = [];

/**
 * A contender loads the lock module, says "ready", waits for "go" on stdin (so all of them race at the same moment),
 * tries the lock once, prints "won" or "lost", and holds whatever it got until its stdin closes.
 */
const CONTENDER = `
import { acquireDataDirLock } from ${JSON.stringify(path.join(ROOT, 'dist/platform/data-dir-lock.js'))};
const dir = process.argv[1];
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  try {
    acquireDataDirLock(dir);
    process.stdout.write('won\\n');
  } catch (error) {
    process.stdout.write('lost ' + error.message + '\\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

interface Contender {
  child: ChildProcess;
  output: string;
}

function waitForLine(contender: Contender, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`contender ${contender.child.pid} said: ${contender.output}`)), 30_000);
    const check = () => {
      if (!pattern.test(contender.output)) return;
      clearTimeout(timer);
      contender.child.stdout!.off('data', check);
      resolve();
    };
    contender.child.stdout!.on('data', check);
    check();
  });
}

function startContender(dir: string): Contender {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const contender = { child, output: '' };
  child.stdout!.on('data', (chunk: Buffer) => (contender.output += chunk.toString()));
  return contender;
}

/** A lock file as a process killed before this change left it: it names a process that no longer exists. */
function writeStaleLock(dir: string): void {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, 'flextell.lock'), JSON.stringify({ pid: Number(dead.stdout), started_at: new Date().toISOString() }));
}

async function race(dir: string): Promise<Contender[]> {
  const contenders = Array.from({ length: CONTENDERS }, () => startContender(dir));
  await Promise.all(contenders.map((contender) => waitForLine(contender, /^ready$/m)));
  for (const contender of contenders) contender.child.stdin!.write('go\n');
  await Promise.all(contenders.map((contender) => waitForLine(contender, /^(won|lost)/m)));
  return contenders;
}

beforeAll(() => buildCli(), 120_000);
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

describe('data-dir lock', () => {
  it('lets exactly one of 12 simultaneous processes take over a stale lock, trial after trial, and the kernel frees it on kill -9', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-lock-'));
    directories.push(dir);
    writeStaleLock(dir);
    for (let trial = 0; trial < TRIALS; trial++) {
      const contenders = await race(dir);
      const winners = contenders.filter((contender) => /^won$/m.test(contender.output));
      expect(
        winners.map((winner) => winner.child.pid),
        `trial ${trial}`,
      ).toHaveLength(1);
      const winner = winners[0]!;
      for (const loser of contenders.filter((contender) => contender !== winner)) {
        expect(loser.output).toContain(`The data directory ${dir} is in use by process ${winner.child.pid}.`);
        loser.child.stdin!.end();
        await exited(loser.child);
      }
      // The winner crashes while holding the lock: the next trial races for the lock it left behind.
      await killHard(winner.child);
      if (trial % 2 === 1) writeStaleLock(dir);
    }
  });
});
