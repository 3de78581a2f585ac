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
import pg from 'pg';
import { defaultSeedFile, isoSeconds, RARE_LAST_NAME, runScript, scriptLog, tenantHeaders, UsageError, type BenchSeed } from './common.js';
import type { BenchRequest, LoadTool } from './load-tool.js';
import { runCli, seedTenant, startServer, type RunningServer } from './server-process.js';
import { CpuSampler } from './cpu-sampler.js';
import { chooseLoadTool, LOAD_FLAGS_USAGE, readLoadRunFlags, RUN_FLAGS_USAGE } from './load-flags.js';
import { failedPrecheck, measuredResult, measuredRun, measureOrFail, waitForQuietMachine, warmUp } from './load-run.js';
import { benchNodeArgs, postgresInfo, runDescriptionLines, serverEnvironment, startRun, STARTED_SERVER } from './run-info.js';
import { publishResults, resultsTable, type ResultsReport, type ShapeResult } from './shape-results.js';
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

const LIST = '/api/v1/conversations';

const SHAPES: Shape[] = [
  { id: 1, label: 'big tenant, page 1', engine: 'postgres', target: PG_TARGET, requests: ({ big }) => [{ path: LIST, headers: tenantHeaders(big) }] },
  {
    id: 2,
    label: 'big tenant, page 2000',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ big }) => [{ path: `${LIST}?page=2000`, headers: tenantHeaders(big) }],
  },
  {
    id: 3,
    label: 'big tenant, rare search',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ big, searchTerm }) => [{ path: `${LIST}?search=${encodeURIComponent(searchTerm)}`, headers: tenantHeaders(big) }],
  },
  {
    id: 4,
    label: 'big tenant, channel_type=instagram',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ big }) => [{ path: `${LIST}?channel_type=instagram`, headers: tenantHeaders(big) }],
  },
  {
    id: 5,
    label: 'small tenants, page 1',
    engine: 'postgres',
    target: PG_TARGET,
    requests: ({ small }) => small.map((seed) => ({ path: LIST, headers: tenantHeaders(seed) })),
  },
  {
    id: 6,
    label: 'small tenant on PGlite, page 1',
    engine: 'pglite',
    target: PGLITE_TARGET,
    requests: ({ pglite }) => (pglite ? [{ path: LIST, headers: tenantHeaders(pglite) }] : []),
  },
];

const USAGE = `Usage: DATABASE_URL=postgres://… npm run bench:list -- [flags]

  --shapes LIST        which shapes to run, e.g. 1,2,6 (all)
${LOAD_FLAGS_USAGE}
  --search TERM        the rare search term (default: the rare last name bench:data gives three customers)
  --seed FILE          the seed object of bench:data (bench/.data/seed.json)
${RUN_FLAGS_USAGE}

Environment: DATABASE_URL (PostgreSQL shapes), BENCH_URL (use that running server instead of starting one),
BENCH_NODE_ARGS (extra node flags for the servers started here, e.g. --cpu-prof).
`;

function readOptions(argv: string[]) {
  const { flags, values } = readLoadRunFlags(argv, SHAPES, { search: { type: 'string' }, seed: { type: 'string' } });
  return {
    ...flags,
    search: values.search ?? null,
    seedFile: path.resolve(values.seed ?? defaultSeedFile()),
  };
}

const log = scriptLog('bench:list');

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
    if (response.status !== 200)
      return { ok: false, check: `${request.path} (X-Tenant ${request.headers['X-Tenant']}) → ${response.status} ${body.slice(0, 200)}`, total };
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

type Options = ReturnType<typeof readOptions>;

async function measureShape(
  tool: LoadTool,
  options: Options,
  shape: Shape,
  baseUrl: string,
  requests: BenchRequest[],
  sampler: CpuSampler | null,
): Promise<ShapeResult<Shape>> {
  const checked = await precheck(baseUrl, requests);
  await waitForQuietMachine(options.quietWait, log);
  if (!checked.ok) return failedPrecheck(shape, checked.check, log);
  await warmUp(tool, options, shape, baseUrl, requests, log);
  const run = await measuredRun(tool, options, shape, baseUrl, requests, sampler, log);
  return measuredResult(shape, run, checked.check, log);
}

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
      stale
        .map((row) => `${row.relname}: ${Math.round(row.dead)} dead tuples, ${Math.round((100 * row.visible) / Math.max(row.pages, 1))}% pages all-visible`)
        .join(', ');
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

const RESULTS_HEADER = `# Conversation-list benchmark results

Produced by \`npm run bench:list\` (bench/list.ts) against the data of \`npm run bench:data\` (bench/load-data.ts):
one tenant with 1,000,000 conversations and 200,000 customers plus 200 tenants with 2,000 conversations and 400
customers each, on PostgreSQL; the PGlite shape seeds its own 2,000-conversation tenant. Every run appends a section.

Targets: every PostgreSQL shape ≥ 2,500 req/s with p99 ≤ 60 ms; the PGlite small tenant ≥ 400 req/s.
A run with errors (any response other than 200, socket errors, timeouts) is not a valid result.
`;

const REPORT: ResultsReport<ShapeResult<Shape>> = {
  table: (results) => resultsTable(results, 'response check; 1-min load before', (result) => result.failure ?? result.check),
  headerOfNewFile: RESULTS_HEADER,
};

async function main(options: Options): Promise<void> {
  const seed = readSeed(options.seedFile);
  const benchUrl = process.env.BENCH_URL?.replace(/\/+$/, '') || null;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const postgresShapes = options.shapes.filter((shape) => shape.engine === 'postgres');
  if (postgresShapes.length > 0 && !benchUrl && !databaseUrl) {
    throw new UsageError('bench:list needs DATABASE_URL (the database bench:data loaded) or BENCH_URL (a running server on it).');
  }
  const tool = await chooseLoadTool(options);
  const nodeArgs = benchNodeArgs();
  const serverEnv = serverEnvironment();
  const run = startRun();
  log(`tool: ${tool.description}`);

  const context: ShapeContext = { big: seed, small: seed.small_tenants, pglite: null, searchTerm: options.search ?? '' };
  const results: ShapeResult<Shape>[] = [];
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
        const requests = shape.requests(context);
        results.push(await measureOrFail(shape, baseUrl, log, () => measureShape(tool, options, shape, baseUrl, requests, sampler)));
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
      context.pglite = await seedTenant(pgliteEnv, 2000, 400);
      log('starting the PGlite server …');
      server = await startServer(pgliteEnv, nodeArgs);
      log(`server pid ${server.pid} at ${server.url}`);
      const pgliteSampler = CpuSampler.available() ? CpuSampler.create(server.pid, undefined) : null;
      const { url } = server;
      const requests = shape.requests(context);
      results.push(await measureOrFail(shape, url, log, () => measureShape(tool, options, shape, url, requests, pgliteSampler)));
      await server.stop();
      server = null;
    }
  } finally {
    await server?.stop().catch(() => undefined);
    for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  const sectionHead = async () => {
    const postgres = await postgresInfo(databaseUrl, 'unknown (no DATABASE_URL)');
    const howServerRan = benchUrl ? `running server at ${benchUrl}` : STARTED_SERVER;
    return [
      `## Run of ${isoSeconds(run.startedAt)}`,
      '',
      ...runDescriptionLines(run, { script: 'bench:list', postgres, tool, flags: options, server: howServerRan, nodeArgs }),
      `- Data: big tenant ${seed.tenant_id}, ${seed.small_tenants.length} small tenants; search term \`${context.searchTerm}\``,
      ...notes.map((note) => `- Note: ${note}`),
    ];
  };
  await publishResults(results, REPORT, log, options.write ? sectionHead : null);
}

runScript({ name: 'bench:list', usage: USAGE, readOptions, main });
