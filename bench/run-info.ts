/**
 * What a RESULTS.md section says about the run besides its numbers: the machine and how busy it was, the software
 * versions, the state of the source and how the server ran, so that sections of different days can be compared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { benchRoot, isoSeconds } from './common.js';
import { cpuPressure } from './cpu-sampler.js';
import type { LoadTool } from './load-tool.js';

export function machineInfo(): string {
  const cpuModel = (() => {
    try {
      return (
        fs
          .readFileSync('/proc/cpuinfo', 'utf8')
          .match(/^model name\s*:\s*(.+)$/m)?.[1]
          ?.trim() ??
        os.cpus()[0]?.model ??
        'unknown'
      );
    } catch {
      return os.cpus()[0]?.model ?? 'unknown';
    }
  })();
  return `nproc ${os.availableParallelism()}, ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`;
}

/** Other people edit src/ while benchmarks run: name the newest source file so a section can be matched to the code. */
export function sourceState(): string {
  let newest = { file: '', mtime: 0 };
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const mtime = fs.statSync(full).mtimeMs;
        if (mtime > newest.mtime) newest = { file: full, mtime };
      }
    }
  };
  try {
    walk(path.join(benchRoot(), 'src'));
    walk(path.join(benchRoot(), 'migrations'));
  } catch {
    return 'unknown';
  }
  return `newest file ${path.relative(benchRoot(), newest.file)} modified ${isoSeconds(new Date(newest.mtime))}`;
}

export const formatLoadAverages = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

export function pgliteVersion(): string {
  try {
    // The package's exports map hides package.json from require(); read it from node_modules.
    const manifest = path.join(benchRoot(), 'node_modules', '@electric-sql', 'pglite', 'package.json');
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The server version and the settings that shape the numbers. `withoutUrl` is what an absent URL means to the
 * caller (bench:list: DATABASE_URL unset; bench:messages: no PostgreSQL shape ran); bench:messages also names
 * synchronous_commit, which decides what a send's commit costs.
 */
export async function postgresInfo(
  url: string | null | undefined,
  withoutUrl: string,
  settings = ['shared_buffers', 'work_mem', 'autovacuum'],
): Promise<string> {
  if (!url) return withoutUrl;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const read = async (setting: string) => (await client.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]?.[setting] ?? '?';
    const version = await read('server_version');
    const shown: string[] = [];
    for (const setting of settings) shown.push(`${setting} ${await read(setting)}`);
    return `${version} (${shown.join(', ')})`;
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What a run notes before its first shape: the source may change and the machine calm down while it runs. */
export interface RunStart {
  startedAt: Date;
  loadAverages: string;
  source: string;
}

export function startRun(): RunStart {
  return { startedAt: new Date(), loadAverages: formatLoadAverages(), source: sourceState() };
}

/** The settings of every server the scripts start: logging off the hot path, and no rate limit to measure. */
const SERVER_SETTINGS = { LOG_LEVEL: 'warn', FLEXTELL_RATE_LIMIT_PER_MINUTE: '1000000000' };

/** The environment of the servers started here; BENCH_URL is for this script only. */
export function serverEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...SERVER_SETTINGS };
  delete env.BENCH_URL;
  return env;
}

/** BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", for the servers started here. */
export const benchNodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export const STARTED_SERVER = '`node dist/cli.js serve` started by the script';

export interface RunDescription {
  script: 'bench:list' | 'bench:messages' | 'bench:ingest';
  postgres: string;
  tool: LoadTool;
  flags: { connections: number; warmup: number; duration: number };
  /** How the server ran, e.g. STARTED_SERVER. */
  server: string;
  nodeArgs: string[];
}

/** The "- Machine: …" to "- Code: …" lines of a RESULTS.md section. */
export function runDescriptionLines(run: RunStart, { script, postgres, tool, flags, server, nodeArgs }: RunDescription): string[] {
  const pressure = cpuPressure();
  const settings = Object.entries(SERVER_SETTINGS)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return [
    `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${run.loadAverages}, at the end ${formatLoadAverages()}` +
      `${pressure ? `; CPU pressure (some, avg60) at the end ${pressure}` : ''}`,
    `- Node ${process.version}; PostgreSQL ${postgres}; PGlite ${pgliteVersion()}`,
    `- Tool: ${tool.description}; ${flags.connections} connections; ${flags.warmup} s warm-up + ${flags.duration} s per shape`,
    `- Server: ${server}, ${settings}${nodeArgs.length ? `, node ${nodeArgs.join(' ')}` : ''}`,
    `- Code: src/ and migrations/ at the start of the run: ${run.source} (npm run ${script} builds dist/ from them)`,
  ];
}
