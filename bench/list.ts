/**
 * Conversation-list benchmark. Drives GET /api/v1/conversations at 50 connections and reports req/s, p50 and p99 for:
 *   1. page 1 of the big tenant            2. page 2000 of the big tenant
 *   3. search for a rare term (a last name three customers of the big tenant have)
 *   4. channel_type=instagram, big tenant  5. page 1 of the small tenants (rotating over all their tokens)
 *   6. page 1 of a small tenant on PGlite (its own server on a temporary FLEXTELL_DATA_DIR)
 *
 *   npm run bench:data -- --json           # once, with DATABASE_URL
 *   DATABASE_URL=postgres://… npm run bench:list
 *
 * Shapes 1–5 start `node dist/cli.js serve` on DATABASE_URL (after applying pending migrations and, when they or
 * anything else left dead tuples, a VACUUM (ANALYZE)), unless BENCH_URL points at a running server. Each shape:
 * one checked request per distinct tenant (status 200, non-empty page), an optional wait for the machine to calm
 * down, 3 s warm-up, 10 s measured; every response other than 200 is an error. With a server it started, the
 * script also reports CPU milliseconds per request of the server and of its PostgreSQL backends (from /proc).
 * Results are appended to bench/RESULTS.md as a new dated section; the exit code is 1 when a shape had errors.
 * Flags: see USAGE below. BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the server
 * processes this script starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchRoot, defaultSeedFile, RARE_LAST_NAME, type BenchSeed } from './common.js';
import { autocannonTool, wrkInstalled, wrkTool, type BenchRequest, type LoadTool, type Measurement } from './load-tool.js';
import { runCli, startServer, type RunningServer } from './server-process.js';
import { CpuSampler, cpuPressure, machineBusyPercent, type CpuUsage } from './cpu-sampler.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const PG_TARGET = { minRps: 2500, maxP99Ms: 60 };
const PGLITE_TARGET = { minRps: 400, maxP99Ms: null };

interface Shape {
  id: number;
  label: string;
  engine: 'postgres' | 'pglite';
  target: { minRps: number; maxP99Ms: number | null };
  requests: (context: ShapeContext) => BenchRequest[];
}

interface ShapeContext {
  big: SeedResult;
  small: SeedResult[];
  pglite: SeedResult | null;
  searchTerm: string;
}

interface ShapeResult {
  shape: Shape;
  measurement: Measurement | null;
  check: string;
  failure: string | null;
  cpu: CpuUsage | null;
  /** Fewer than two responses per connection: most of the offered load never finished, the numbers mean nothing. */
  tooSlow?: boolean;
  /** p99 over half the run: the slowest requests had no time to finish, so p99 is a lower bound. */
  tailTruncated?: boolean;
}

class UsageError extends Error {}

const LIST = '/api/v1/conversations';

const headersOf = (seed: SeedResult) => ({ Authorization: `Bearer ${seed.access_token}`, 'X-Tenant': String(seed.tenant_id) });

const SHAPES: Shape[] = [
  { id: 1, label: 'big tenant, page 1', engine: 'postgres', target: PG_TARGET, requests: ({ big }) => [{ path: LIST, headers: headersOf(big) }] },
  { id: 2, label: 'big tenant, page 2000', engine: 'postgres', target: PG_TARGET, requests: ({ big }) => [{ path: `${LIST}?page=2000`, headers: headersOf(big) }] },
  {
    id: 3,
    label: 'big tenant, rare search',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ big, searchTerm }) => [{ path: `${LIST}?search=${encodeURIComponent(searchTerm)}`, headers: headersOf(big) }],
  },
  {
    id: 4,
    label: 'big tenant, channel_type=instagram',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ big }) => [{ path: `${LIST}?channel_type=instagram`, headers: headersOf(big) }],
  },
  {
    id: 5,
    label: 'small tenants, page 1',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ small }) => small.map((seed) => ({ path: LIST, headers: headersOf(seed) })),
  },
  {
    id: 6,
    label: 'small tenant on PGlite, page 1',
    engine: 'pglite',
    target: PGLITE_TARGET,
    requests: ({ pglite }) => (pglite ? [{ path: LIST, headers: headersOf(pglite) }] : []),
  },
];

const USAGE = `Usage: DATABASE_URL=postgres://… npm run bench:list -- [flags]

  --shapes LIST        which shapes to run, e.g. 1,2,6 (all)
  --duration SECONDS   measured run per shape (10)
  --warmup SECONDS     warm-up per shape, not measured (3)
  --connections N      concurrent connections (50)
  --tool NAME          auto (wrk when installed), wrk or autocannon
  --threads N          wrk threads (2)
  --search TERM        the rare search term (default: the rare last name bench:data gives three customers)
  --seed FILE          the seed object of bench:data (bench/.data/seed.json)
  --quiet-wait SECONDS before each shape, wait up to this long for the machine to be mostly idle (60; 0 = never)
  --no-write           do not append to bench/RESULTS.md
  --note TEXT          a note for the RESULTS.md section

Environment: DATABASE_URL (PostgreSQL shapes), BENCH_URL (use that running server instead of starting one),
BENCH_NODE_ARGS (extra node flags for the servers started here, e.g. --cpu-prof).
`;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive integer (got "${value}").`);
  return Number(value);
}

function readOptions(argv: string[]) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        shapes: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        tool: { type: 'string', default: 'auto' },
        threads: { type: 'string' },
        search: { type: 'string' },
        seed: { type: 'string' },
        'no-write': { type: 'boolean', default: false },
        'quiet-wait': { type: 'string' },
        note: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const shapeIds = values.shapes
    ? values.shapes.split(',').map((text) => {
        const id = Number(text.trim());
        if (!SHAPES.some((shape) => shape.id === id)) throw new UsageError(`Unknown shape "${text}" (1–${SHAPES.length}).`);
        return id;
      })
    : SHAPES.map((shape) => shape.id);
  if (!['auto', 'wrk', 'autocannon'].includes(values.tool ?? 'auto')) throw new UsageError('--tool must be auto, wrk or autocannon.');
  const warmup = values.warmup === '0' ? 0 : positiveInteger(values.warmup, 'warmup', 3);
  return {
    help: values.help ?? false,
    shapes: SHAPES.filter((shape) => shapeIds.includes(shape.id)),
    duration: positiveInteger(values.duration, 'duration', 10),
    warmup,
    connections: positiveInteger(values.connections, 'connections', 50),
    tool: values.tool as 'auto' | 'wrk' | 'autocannon',
    threads: positiveInteger(values.threads, 'threads', 2),
    search: values.search ?? null,
    seedFile: path.resolve(values.seed ?? defaultSeedFile()),
    write: !(values['no-write'] ?? false),
    quietWait: values['quiet-wait'] === '0' ? 0 : positiveInteger(values['quiet-wait'], 'quiet-wait', 60),
    note: values.note ?? null,
  };
}

const log = (line: string) => process.stderr.write(`[bench:list] ${line}\n`);

function readSeed(file: string): BenchSeed {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`No seed object at ${file}: run \`npm run bench:data -- --json\` with DATABASE_URL first.`);
  }
  const lines = text.split('\n').filter((line) => line.trim());
  const seed = JSON.parse(lines[lines.length - 1] ?? '{}') as BenchSeed;
  if (!seed.access_token || !Array.isArray(seed.small_tenants)) throw new Error(`${file} is not a bench:data seed object.`);
  return seed;
}

/** One request of each kind before the load: status 200 and a JSON paginator; returns "rows/total" of the first. */
async function precheck(baseUrl: string, requests: BenchRequest[]): Promise<{ ok: boolean; check: string; total: number }> {
  const distinct = [...new Map(requests.map((request) => [`${request.path} ${request.headers['X-Tenant']}`, request])).values()];
  let check = '';
  let total = 0;
  for (const [index, request] of distinct.entries()) {
    const response = await fetch(baseUrl + request.path, { headers: request.headers, signal: AbortSignal.timeout(30_000) });
    const body = await response.text();
    if (response.status !== 200) return { ok: false, check: `${request.path} (X-Tenant ${request.headers['X-Tenant']}) → ${response.status} ${body.slice(0, 200)}`, total };
    if (index === 0) {
      const page = JSON.parse(body) as { data: unknown[]; meta: { total: number; current_page: number } };
      total = page.meta.total;
      check = `${page.data.length} rows of ${page.meta.total}`;
      if (page.data.length === 0) return { ok: false, check: `${check}: the page is empty, the shape measures nothing`, total };
    }
  }
  if (distinct.length > 1) check += ` (first of ${distinct.length} tenants)`;
  return { ok: true, check, total };
}

/**
 * Requests still in flight (or queued for a pool connection) when the tool disconnects keep the server busy; wait
 * until /health, which queues behind them for a connection, answers quickly again before the next shape.
 */
async function waitUntilIdle(baseUrl: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (performance.now() - started < 100) return;
    } catch {
      // still busy
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  log(`the server at ${baseUrl} is still busy after ${timeoutMs / 1000} s`);
}

type Options = ReturnType<typeof readOptions>;

async function measure(tool: LoadTool, options: Options, shape: Shape, baseUrl: string, requests: BenchRequest[], sampler: CpuSampler | null): Promise<ShapeResult> {
  try {
    return await measureShape(tool, options, shape, baseUrl, requests, sampler);
  } catch (error) {
    const failure = `failed: ${(error as Error).message}`;
    log(`shape ${shape.id} (${shape.label}) ${failure}`);
    return { shape, measurement: null, check: failure, failure, cpu: null };
  } finally {
    await waitUntilIdle(baseUrl);
  }
}

/** On a shared machine, wait (up to --quiet-wait seconds) until other work leaves the cores mostly idle. */
async function waitForQuietMachine(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const deadline = Date.now() + seconds * 1000;
  let busy = await machineBusyPercent(2000);
  if (busy === null || busy < 30) return;
  log(`the machine is ${busy.toFixed(0)}% busy before the shape; waiting up to ${seconds} s for it to calm down`);
  while (busy !== null && busy >= 30 && Date.now() < deadline) busy = await machineBusyPercent(2000);
  if (busy !== null && busy >= 30) log(`still ${busy.toFixed(0)}% busy; measuring anyway (see the "other" CPU column)`);
}

async function measureShape(tool: LoadTool, options: Options, shape: Shape, baseUrl: string, requests: BenchRequest[], sampler: CpuSampler | null): Promise<ShapeResult> {
  const checked = await precheck(baseUrl, requests);
  await waitForQuietMachine(options.quietWait);
  if (!checked.ok) {
    log(`shape ${shape.id} (${shape.label}) pre-check failed: ${checked.check}`);
    return { shape, measurement: null, check: checked.check, failure: checked.check, cpu: null };
  }
  if (options.warmup > 0) {
    log(`shape ${shape.id} (${shape.label}): warm-up ${options.warmup} s`);
    await tool.run({ baseUrl, requests, durationSeconds: options.warmup, connections: options.connections });
    await waitUntilIdle(baseUrl);
  }
  log(`shape ${shape.id} (${shape.label}): ${options.duration} s at ${options.connections} connections`);
  const loadBefore = os.loadavg()[0]!;
  await sampler?.refreshBackends();
  const before = sampler?.snapshot();
  const measurement = await tool.run({ baseUrl, requests, durationSeconds: options.duration, connections: options.connections });
  const cpu = sampler && before ? sampler.usage(before, sampler.snapshot(), measurement.requests) : null;
  if (measurement.requests === 0) {
    measurement.errors += options.connections;
    measurement.errorDetail = [measurement.errorDetail, `no response within ${options.duration} s`].filter(Boolean).join('; ');
  }
  // wrk and autocannon only count finished requests: with responses this slow most of the load never finished.
  const tooSlow = measurement.requests < 2 * options.connections;
  const tailTruncated = measurement.p99Ms >= (options.duration * 1000) / 2;
  log(
    `  ${Math.round(measurement.rps)} req/s, p50 ${measurement.p50Ms.toFixed(1)} ms, p99 ${measurement.p99Ms.toFixed(1)} ms, ` +
      `${measurement.errors} errors${measurement.errorDetail ? ` (${measurement.errorDetail})` : ''}; ${checked.check}; ` +
      `load average before ${loadBefore.toFixed(2)}${cpu ? `; CPU ${cpuText(cpu)}` : ''}`,
  );
  return { shape, measurement, check: `${checked.check}; load ${loadBefore.toFixed(2)}`, failure: null, cpu, tooSlow, tailTruncated };
}

/** The newest WhatsApp conversation address at or below g = 123457 that bench:data seeded for the big tenant. */
/**
 * The server applies pending migrations when it starts; one that rewrites conversations (or any bulk write since
 * bench:data) leaves dead tuples and a cleared visibility map, which turns the index-only page scans into heap
 * fetches. Apply them first and VACUUM (ANALYZE) what needs it, so every run measures the state bench:data leaves.
 */
async function prepareDatabase(databaseUrl: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const migrated = await runCli(['migrate'], { ...env, DATABASE_URL: databaseUrl });
  const applied = Number(/\((\d+) applied\)/.exec(migrated)?.[1] ?? 0);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'flextell-bench' });
  await client.connect();
  try {
    const stats = await client.query<{ relname: string; live: number; dead: number; pages: number; visible: number }>(
      `SELECT s.relname, s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead, c.relpages::float8 AS pages, c.relallvisible::float8 AS visible
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.relname IN ('conversations', 'customers', 'messages', 'channels', 'conversation_counts')`,
    );
    const stale = stats.rows.filter((row) => row.dead > 0.05 * Math.max(row.live, 1) || (row.pages > 100 && row.visible < 0.9 * row.pages));
    if (applied === 0 && stale.length === 0) return null;
    const reason =
      `${applied > 0 ? `${applied} pending migration(s) applied; ` : ''}` +
      stale.map((row) => `${row.relname}: ${Math.round(row.dead)} dead tuples, ${Math.round((100 * row.visible) / Math.max(row.pages, 1))}% pages all-visible`).join(', ');
    log(`VACUUM (ANALYZE) before measuring (${reason}) …`);
    const started = performance.now();
    await client.query('VACUUM (ANALYZE)');
    const note = `VACUUM (ANALYZE) before the run took ${((performance.now() - started) / 1000).toFixed(1)} s (${reason})`;
    log(note);
    return note;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function postgresInfo(url: string | undefined): Promise<string> {
  if (!url) return 'unknown (no DATABASE_URL)';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const buffers = await client.query<{ shared_buffers: string }>('SHOW shared_buffers');
    const workMem = await client.query<{ work_mem: string }>('SHOW work_mem');
    return `${version.rows[0]?.server_version} (shared_buffers ${buffers.rows[0]?.shared_buffers}, work_mem ${workMem.rows[0]?.work_mem})`;
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function machineInfo(): string {
  const cpuModel = (() => {
    try {
      return fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
    } catch {
      return os.cpus()[0]?.model ?? 'unknown';
    }
  })();
  return `nproc ${os.availableParallelism()}, ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`;
}

/** Other people edit src/ while benchmarks run: name the newest source file so a section can be matched to the code. */
function sourceState(): string {
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
  return `newest file ${path.relative(benchRoot(), newest.file)} modified ${new Date(newest.mtime).toISOString().replace(/\.\d+Z$/, 'Z')}`;
}

const formatLoad = () => os.loadavg().map((value) => value.toFixed(2)).join(' / ');

function pgliteVersion(): string {
  try {
    // The package's exports map hides package.json from require(); read it from node_modules.
    const manifest = path.join(benchRoot(), 'node_modules', '@electric-sql', 'pglite', 'package.json');
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const fmt = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function cpuText(cpu: CpuUsage): string {
  const postgres = cpu.postgresMsPerRequest === null ? 'in-process' : cpu.postgresMsPerRequest.toFixed(2);
  return `server ${cpu.serverMsPerRequest.toFixed(2)} / PG ${postgres} ms per request, machine ${cpu.machineBusyPercent.toFixed(0)}% busy (other ${cpu.otherPercent.toFixed(0)}%)`;
}

function verdict(result: ShapeResult): string {
  const { measurement, shape } = result;
  if (!measurement) return 'not run';
  if (measurement.errors > 0) return 'INVALID (errors)';
  if (result.tooSlow) return 'INVALID (too slow to measure: most requests unfinished)';
  const rpsOk = measurement.rps >= shape.target.minRps;
  const p99Ok = shape.target.maxP99Ms === null || measurement.p99Ms <= shape.target.maxP99Ms;
  const tail = result.tailTruncated ? '; p99 is a lower bound (tail longer than half the run)' : '';
  if (rpsOk && p99Ok) return `met${tail}`;
  return `missed (${[rpsOk ? '' : 'req/s', p99Ok ? '' : 'p99'].filter(Boolean).join(', ')})${tail}`;
}

function targetText(shape: Shape): string {
  return `≥ ${fmt(shape.target.minRps, 0)} req/s${shape.target.maxP99Ms === null ? '' : `, p99 ≤ ${shape.target.maxP99Ms} ms`}`;
}

function table(results: ShapeResult[]): string {
  const lines = [
    '| # | shape | req/s | p50 ms | p99 ms | errors | requests | target | result | CPU ms/request: server / PG | machine busy (other) | response check; 1-min load before |',
    '|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|',
  ];
  for (const result of results) {
    const m = result.measurement;
    lines.push(
      `| ${result.shape.id} | ${result.shape.label} | ${m ? fmt(m.rps, 0) : '–'} | ${m ? fmt(m.p50Ms, 1) : '–'} | ${m ? fmt(m.p99Ms, 1) : '–'} | ` +
        `${m ? `${m.errors}${m.errorDetail ? ` (${m.errorDetail})` : ''}` : '–'} | ${m ? fmt(m.requests, 0) : '–'} | ${targetText(result.shape)} | ` +
        `${verdict(result)} | ${result.cpu ? `${result.cpu.serverMsPerRequest.toFixed(2)} / ${result.cpu.postgresMsPerRequest === null ? 'in-process' : result.cpu.postgresMsPerRequest.toFixed(2)}` : '–'} | ` +
        `${result.cpu ? `${result.cpu.machineBusyPercent.toFixed(0)}% (${result.cpu.otherPercent.toFixed(0)}%)` : '–'} | ` +
        `${(result.failure ?? result.check).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    );
  }
  return lines.join('\n');
}

const RESULTS_HEADER = `# Conversation-list benchmark results

Produced by \`npm run bench:list\` (bench/list.ts) against the data of \`npm run bench:data\` (bench/load-data.ts):
one tenant with 1,000,000 conversations and 200,000 customers plus 200 tenants with 2,000 conversations and 400
customers each, on PostgreSQL; the PGlite shape seeds its own 2,000-conversation tenant. Every run appends a section.

Targets: every PostgreSQL shape ≥ 2,500 req/s with p99 ≤ 60 ms; the PGlite small tenant ≥ 400 req/s.
A run with errors (any response other than 200, socket errors, timeouts) is not a valid result.
`;

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seed = readSeed(options.seedFile);
  const benchUrl = process.env.BENCH_URL?.replace(/\/+$/, '') || null;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const postgresShapes = options.shapes.filter((shape) => shape.engine === 'postgres');
  if (postgresShapes.length > 0 && !benchUrl && !databaseUrl) {
    throw new UsageError('bench:list needs DATABASE_URL (the database bench:data loaded) or BENCH_URL (a running server on it).');
  }
  const useWrk = options.tool === 'wrk' || (options.tool === 'auto' && wrkInstalled());
  if (options.tool === 'wrk' && !wrkInstalled()) throw new UsageError('--tool wrk: wrk is not installed.');
  const tool = useWrk ? wrkTool(options.threads) : await autocannonTool();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const serverEnv: NodeJS.ProcessEnv = { ...process.env, FLEXTELL_RATE_LIMIT_PER_MINUTE: '1000000000', LOG_LEVEL: 'warn' };
  delete serverEnv.BENCH_URL;
  const startedAt = new Date();
  const startLoad = formatLoad();
  const sourceAtStart = sourceState();
  log(`tool: ${tool.description}`);

  const context: ShapeContext = { big: seed, small: seed.small_tenants, pglite: null, searchTerm: options.search ?? '' };
  const results: ShapeResult[] = [];
  const notes: string[] = options.note ? [options.note] : [];
  const temporaryDirs: string[] = [];
  let server: RunningServer | null = null;
  try {
    if (postgresShapes.length > 0) {
      let baseUrl: string;
      let sampler: CpuSampler | null = null;
      if (benchUrl) {
        baseUrl = benchUrl;
        log(`using the running server at ${baseUrl}`);
      } else {
        const prepared = await prepareDatabase(databaseUrl!, serverEnv);
        if (prepared) notes.push(prepared);
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-pg-'));
        temporaryDirs.push(dataDir);
        log('starting the server on DATABASE_URL …');
        server = await startServer({ ...serverEnv, DATABASE_URL: databaseUrl, FLEXTELL_DATA_DIR: dataDir }, nodeArgs);
        baseUrl = server.url;
        log(`server pid ${server.pid} at ${baseUrl}`);
        if (CpuSampler.available()) sampler = CpuSampler.create(server.pid, databaseUrl);
      }
      if (!context.searchTerm) context.searchTerm = RARE_LAST_NAME.toLowerCase();
      for (const shape of postgresShapes) {
        results.push(await measure(tool, options, shape, baseUrl, shape.requests(context), sampler));
      }
      await server?.stop();
      server = null;
    }

    for (const shape of options.shapes.filter((candidate) => candidate.engine === 'pglite')) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-pglite-'));
      temporaryDirs.push(dataDir);
      const pgliteEnv: NodeJS.ProcessEnv = { ...serverEnv, FLEXTELL_DATA_DIR: dataDir };
      delete pgliteEnv.DATABASE_URL;
      log(`seeding PGlite in ${dataDir} (2000 conversations, 400 customers) …`);
      const output = await runCli(['seed', '--json', '--conversations', '2000', '--customers', '400'], pgliteEnv);
      context.pglite = JSON.parse(output.trim().split('\n').pop() ?? '{}') as SeedResult;
      log('starting the PGlite server …');
      server = await startServer(pgliteEnv, nodeArgs);
      log(`server pid ${server.pid} at ${server.url}`);
      const pgliteSampler = CpuSampler.available() ? CpuSampler.create(server.pid, undefined) : null;
      results.push(await measure(tool, options, shape, server.url, shape.requests(context), pgliteSampler));
      await server.stop();
      server = null;
    }
  } finally {
    await server?.stop().catch(() => undefined);
    for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.shape.id - b.shape.id);

  const rendered = table(results);
  process.stdout.write(rendered + '\n');

  if (options.write) {
    const file = path.join(benchRoot(), 'bench', 'RESULTS.md');
    const section = [
      '',
      `## Run of ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      '',
      `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${startLoad}, at the end ${formatLoad()}` +
        `${cpuPressure() ? `; CPU pressure (some, avg60) at the end ${cpuPressure()}` : ''}`,
      `- Node ${process.version}; PostgreSQL ${await postgresInfo(databaseUrl)}; PGlite ${pgliteVersion()}`,
      `- Tool: ${tool.description}; ${options.connections} connections; ${options.warmup} s warm-up + ${options.duration} s per shape`,
      `- Server: ${benchUrl ? `running server at ${benchUrl}` : '`node dist/cli.js serve` started by the script'}, LOG_LEVEL=warn, ` +
        `FLEXTELL_RATE_LIMIT_PER_MINUTE=1000000000${nodeArgs.length ? `, node ${nodeArgs.join(' ')}` : ''}`,
      `- Code: src/ and migrations/ at the start of the run: ${sourceAtStart} (npm run bench:list builds dist/ from them)`,
      `- Data: big tenant ${seed.tenant_id}, ${seed.small_tenants.length} small tenants; search term \`${context.searchTerm}\``,
      ...notes.map((note) => `- Note: ${note}`),
      '',
      rendered,
      '',
    ].join('\n');
    if (!fs.existsSync(file)) fs.writeFileSync(file, RESULTS_HEADER);
    fs.appendFileSync(file, section);
    log(`appended to ${path.relative(benchRoot(), file)}`);
  }
  if (results.some((result) => !result.measurement || result.measurement.errors > 0 || result.tooSlow)) {
    log('the run had errors: it is not a valid result');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench:list failed: ${(error as Error)?.message ?? String(error)}\n`);
  if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
});
