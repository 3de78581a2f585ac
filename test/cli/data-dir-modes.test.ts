import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI, exited, startServe } from '../support/processes.js';

const directories: string[] = [];

function tempDir(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-modes-'));
  directories.push(directory);
  return directory;
}

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every entry under `root` (itself included) whose permission bits are not 0700 (directories) or 0600 (files). */
function looseEntries(root: string): string[] {
  const loose: string[] = [];
  const visit = (entry: string) => {
    const stat = fs.lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    const wanted = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== wanted) loose.push(`${entry} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(root);
  return loose;
}

function loosen(root: string): void {
  const visit = (entry: string) => {
    const stat = fs.lstatSync(entry);
    fs.chmodSync(entry, stat.isDirectory() ? 0o755 : 0o666);
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(root);
}

beforeAll(() => buildCli(), 120_000);
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

describe('embedded data directory modes', () => {
  it('creates the data directory 0700 and every file 0600, also those the database writes while serving', async () => {
    const dataDir = path.join(tempDir(), 'data');
    // The inherited umask is the usual 022: the product must not depend on the operator's.
    const seed = JSON.parse(run(['seed', '--json', '--conversations', '2'], { FLEXTELL_DATA_DIR: dataDir }).stdout.trim().split('\n').pop()!);
    const server = await startServe({ FLEXTELL_DATA_DIR: dataDir });
    const list = await fetch(`${server.url}/api/v1/conversations`, {
      headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id) },
    });
    const conversationId = ((await list.json()) as { data: Array<{ id: number }> }).data[0]!.id;
    for (let i = 0; i < 20; i++) {
      const sent = await fetch(`${server.url}/api/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id), 'content-type': 'application/json' },
        body: JSON.stringify({ message: `written while serving ${i}` }),
      });
      expect(sent.status).toBe(200);
    }
    expect(fs.readdirSync(path.join(dataDir, 'pgdata')).length).toBeGreaterThan(5);
    expect(looseEntries(dataDir)).toEqual([]);
    const exit = exited(server.child);
    server.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(looseEntries(dataDir)).toEqual([]);
  });

  it('makes an existing data directory with loose modes private at start', () => {
    const dataDir = path.join(tempDir(), 'data');
    expect(run(['migrate'], { FLEXTELL_DATA_DIR: dataDir }).status).toBe(0);
    loosen(dataDir);
    expect(looseEntries(dataDir).length).toBeGreaterThan(10);
    const migrated = run(['migrate'], { FLEXTELL_DATA_DIR: dataDir });
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(looseEntries(dataDir)).toEqual([]);
  });

  it('refuses to start, with a clear message, when the data directory cannot be made private', () => {
    // A directory whose mode nobody may change, root included (procfs refuses chmod): as with another user's directory.
    const dataDir = '/proc/1';
    const before = fs.statSync(dataDir).mode & 0o777;
    expect(before & 0o077).not.toBe(0);
    const result = run(['migrate'], { FLEXTELL_DATA_DIR: dataDir });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^The data directory \/proc\/1 cannot be made private to this user \(\/proc\/1: EPERM\)\. .*FLEXTELL_DATA_DIR/);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(before);
  });
});
