/**
 * `flextell events prune --before <timestamp>` (docs/events.md#retention): bad usage exits 2 with one line; a run
 * deletes the events written before the cut-off and records pruned_through, as the retention job does.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI } from '../support/processes.js';
import { openDatabase } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { recordEvents } from '../../src/modules/events/event-recorder.js';
import { readEventHead } from '../../src/modules/events/event-log.repository.js';
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';

let dataDir = '';
let tenantId = 0;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', FLEXTELL_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Works on the embedded database while no CLI process holds it. */
async function withDb<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig({ FLEXTELL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

beforeAll(() => {
  buildCli();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-events-cli-'));
  const seeded = run(['seed', '--json', '--conversations', '0']);
  expect(seeded.status, seeded.stderr).toBe(0);
  tenantId = JSON.parse(seeded.stdout.trim().split('\n').pop()!).tenant_id;
}, 180_000);

afterAll(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('flextell events prune', () => {
  it('refuses bad usage with exit 2 and one line on stderr', () => {
    for (const args of [
      ['events'],
      ['events', 'prune'],
      ['events', 'prune', '--before', 'yesterday'],
      ['events', 'prune', '--before', '2026-01-01'],
      ['events', 'prune', '--before', '2026-01-01T00:00:00Z', '--x', '1'],
    ]) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('deletes the events written before the cut-off and records pruned_through', async () => {
    await withDb(async (db) => {
      for (const at of ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-02T00:00:00Z']) {
        await db.transaction(async (tx) =>
          recordEvents(tx, tenantId, SYSTEM_ACTOR, new Date(at), { kind: 'channel', id: 1, change: 'updated', data: { id: 1 } }),
        );
      }
    });
    const result = run(['events', 'prune', '--before', '2026-01-01T12:00:00Z']);
    expect([result.status, result.stdout.trim()], result.stderr).toEqual([0, 'Pruned 2 events written before 2026-01-01T12:00:00.000Z.']);
    expect(await withDb((db) => readEventHead(db, tenantId))).toEqual({ lastId: 3, prunedThrough: 2, oldestId: 3 });
    expect(run(['events', 'prune', '--before', '2026-01-01T12:00:00Z']).stdout.trim()).toBe('Pruned 0 events written before 2026-01-01T12:00:00.000Z.');
  });
});
