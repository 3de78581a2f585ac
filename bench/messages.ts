/**
 * Message benchmark. On PostgreSQL and on PGlite, through the API (`node dist/cli.js serve`, job worker included):
 *   sends  POST /api/v1/conversations/{id}/messages {"message":"bench"} at 50 connections, rotating over ten
 *          Telegram conversations, and all to one hot conversation (concurrent sends to one conversation wait for
 *          its row lock and their deliveries share one ordering key);
 *   pages  GET /api/v1/conversations/{id}/messages, page 1 and a deep page, of a conversation with 100,000 messages
 *          (bulk-inserted, then numbered in arrival order as if they had been sent: migration 0014).
 *
 *   npm run bench:messages                    # PostgreSQL on 127.0.0.1:5432 (user postgres), then PGlite
 *
 * PostgreSQL: the database flextell_bench_messages is dropped and recreated on every run (BENCH_PG_URL names the
 * server, default postgres://postgres@127.0.0.1:5432/postgres; DATABASE_URL is never touched). PGlite: a temporary
 * FLEXTELL_DATA_DIR. Either way `seed --json --conversations 40 --customers 40` makes the tenant and its token, then
 * this script inserts the 100,000 messages set-based in SQL (PGlite: opening the data dir itself, before `serve`
 * starts: one process per data dir), keeps the conversation's counters and preview consistent and VACUUM ANALYZEs.
 * Each shape: one checked request per distinct request (status 200), an optional wait for the machine to calm down,
 * 3 s warm-up, 10 s measured; every response other than 200 is an error. The send shapes also wait, before the
 * measured run and after it, until the worker has delivered every queued message, and report how far it was
 * behind. CPU milliseconds per request of the server (job worker included) and of its PostgreSQL backends come
 * from /proc. Results are appended to bench/RESULTS.md as a new dated section; exit code 1 when a shape had errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { formatNumber, formatSeconds, isoSeconds, positiveInteger, runScript, scriptLog, tenantHeaders, UsageError } from './common.js';
import type { BenchRequest, LoadTool } from './load-tool.js';
import { seedTenant, startServer, type RunningServer } from './server-process.js';
import { CpuSampler } from './cpu-sampler.js';
import { chooseLoadTool, LOAD_FLAGS_USAGE, readLoadRunFlags, RUN_FLAGS_USAGE } from './load-flags.js';
import { failedPrecheck, measuredResult, measuredRun, measureOrFail, waitForQuietMachine, warmUp } from './load-run.js';
import { benchNodeArgs, postgresInfo, runDescriptionLines, serverEnvironment, startRun, STARTED_SERVER } from './run-info.js';
import { publishResults, resultsTable, type ResultsReport, type ShapeResult, type Target } from './shape-results.js';
import { DATABASE_NAME, prepareConversations, recreateDatabase, type EngineData } from './messages-data.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { acquireDataDirLock } from '../src/platform/data-dir-lock.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const SEND_TARGET: Target = { minRps: 1000, maxP99Ms: null };
const PAGE_TARGET: Target = { minRps: null, maxP99Ms: 50 };
const SEND_BODY = JSON.stringify({ message: 'bench' });

type Engine = 'postgres' | 'pglite';

interface Shape {
  id: number;
  engine: Engine;
  kind: 'send' | 'page';
  label: string;
  /** null: reported, no target (the issue sets the send target on PostgreSQL). */
  target: Target | null;
  requests: (data: EngineData, options: Options) => BenchRequest[];
}

interface Delivery {
  /** Messages still queued (PostgreSQL: open jobs) right after the measured run; null when unknown. */
  openAtEnd: number | null;
  /** Seconds after the measured run until every message was delivered; null when it did not finish in time. */
  drainSeconds: number | null;
  /** Still queued when the wait gave up (PostgreSQL only). */
  openAfterWait: number | null;
  dead: number | null;
}

/** How long the send shapes wait for the job worker to catch up, before and after the measured run. */
const DRAIN_TIMEOUT_MS = 180_000;

interface MessagesShapeResult extends ShapeResult<Shape> {
  delivery?: Delivery;
}

const messagesPath = (conversationId: number) => `/api/v1/conversations/${conversationId}/messages`;
const sendRequest = (seed: SeedResult, conversationId: number): BenchRequest => ({
  method: 'POST',
  path: messagesPath(conversationId),
  headers: { ...tenantHeaders(seed), 'Content-Type': 'application/json' },
  body: SEND_BODY,
});

function shapesFor(engine: Engine, first: number): Shape[] {
  const name = engine === 'postgres' ? 'PostgreSQL' : 'PGlite';
  return [
    {
      id: first,
      engine,
      kind: 'send',
      label: `${name}: send, rotating over 10 conversations`,
      target: engine === 'postgres' ? SEND_TARGET : null,
      requests: (data) => data.sendConversations.map((id) => sendRequest(data.seed, id)),
    },
    {
      id: first + 1,
      engine,
      kind: 'send',
      label: `${name}: send, one hot conversation`,
      target: null,
      requests: (data) => [sendRequest(data.seed, data.sendConversations[0]!)],
    },
    {
      id: first + 2,
      engine,
      kind: 'page',
      label: `${name}: 100,000-message conversation, page 1`,
      target: engine === 'postgres' ? PAGE_TARGET : null,
      requests: (data) => [{ path: messagesPath(data.bigConversation), headers: tenantHeaders(data.seed) }],
    },
    {
      id: first + 3,
      engine,
      kind: 'page',
      label: `${name}: 100,000-message conversation, deep page`,
      target: engine === 'postgres' ? PAGE_TARGET : null,
      requests: (data, options) => [{ path: `${messagesPath(data.bigConversation)}?page=${options.deepPage}`, headers: tenantHeaders(data.seed) }],
    },
  ];
}

const SHAPES: Shape[] = [...shapesFor('postgres', 1), ...shapesFor('pglite', 5)];

const USAGE = `Usage: npm run bench:messages -- [flags]

  --shapes LIST        which shapes to run, e.g. 1,3,5 (all: 1–4 PostgreSQL, 5–8 PGlite)
  --messages N         messages in the big conversation (100000)
  --deep-page N        the deep page of the big conversation (3000; 15 messages a page)
${LOAD_FLAGS_USAGE}
${RUN_FLAGS_USAGE}

Environment: BENCH_PG_URL (a PostgreSQL server URL; the script drops and recreates ${DATABASE_NAME} there; default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_NODE_ARGS (extra node flags for the servers started here).
`;

function readOptions(argv: string[]) {
  const { flags, values } = readLoadRunFlags(argv, SHAPES, { messages: { type: 'string' }, 'deep-page': { type: 'string' } });
  const messages = positiveInteger(values.messages, 'messages', 100_000);
  const deepPage = positiveInteger(values['deep-page'], 'deep-page', 3000);
  if ((deepPage - 1) * 15 >= messages) throw new UsageError(`--deep-page ${deepPage} lies beyond the ${messages} messages (15 a page).`);
  return { ...flags, messages, deepPage };
}

type Options = ReturnType<typeof readOptions>;

const log = scriptLog('bench:messages');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** One request of each distinct kind before the load: status 200, and for a page a full page of messages. */
async function precheck(baseUrl: string, shape: Shape, requests: BenchRequest[]): Promise<{ ok: boolean; check: string }> {
  const distinct = [...new Map(requests.map((request) => [`${request.method ?? 'GET'} ${request.path}`, request])).values()];
  let check = '';
  for (const [index, request] of distinct.entries()) {
    const init: RequestInit = { method: request.method ?? 'GET', headers: request.headers, signal: AbortSignal.timeout(30_000) };
    if (request.body !== undefined) init.body = request.body;
    const response = await fetch(baseUrl + request.path, init);
    const text = await response.text();
    if (response.status !== 200) return { ok: false, check: `${init.method} ${request.path} → ${response.status} ${text.slice(0, 200)}` };
    if (index > 0) continue;
    if (shape.kind === 'page') {
      const page = JSON.parse(text) as { data: unknown[]; meta: { total: number; current_page: number } };
      check = `${page.data.length} rows of ${page.meta.total}, page ${page.meta.current_page}`;
      if (page.data.length === 0) return { ok: false, check: `${check}: the page is empty, the shape measures nothing` };
    } else {
      const sent = JSON.parse(text) as { data?: { status?: string } };
      check = `send answers 200 "${sent.data?.status ?? '?'}"`;
    }
  }
  if (distinct.length > 1) check += ` (${distinct.length} conversations)`;
  return { ok: true, check };
}

/** How an engine's server tells whether the job worker has delivered everything the sends queued. */
interface DeliveryProbe {
  /** Open (pending or running) deliveries, or null when only "some"/"none" is known: then 1 or 0. */
  open(): Promise<number>;
  exact: boolean;
  dead(): Promise<number | null>;
}

/** PostgreSQL: count the job rows (done jobs are deleted). */
function sqlProbe(databaseUrl: string): DeliveryProbe & { close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'flextell-bench' });
  pool.on('error', () => undefined);
  const count = async (where: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE ${where}`)).rows[0]?.n ?? 0);
  return {
    exact: true,
    open: () => count("status IN ('pending', 'running', 'waiting')"),
    dead: () => count("status = 'dead'"),
    close: () => pool.end(),
  };
}

/**
 * PGlite (the server owns the data dir): through the API. Deliveries of one conversation run in id order, so the
 * conversation is done when its newest message is no longer "queued".
 */
function apiProbe(baseUrl: string, data: EngineData): DeliveryProbe {
  return {
    exact: false,
    async open() {
      for (const id of data.sendConversations) {
        const response = await fetch(`${baseUrl}${messagesPath(id)}?per_page=1`, { headers: tenantHeaders(data.seed), signal: AbortSignal.timeout(30_000) });
        const page = (await response.json()) as { data?: { metadata?: string }[] };
        const status = (JSON.parse(page.data?.[0]?.metadata ?? '{}') as { delivery_status?: string }).delivery_status;
        if (status === 'queued') return 1;
      }
      return 0;
    },
    dead: async () => null,
  };
}

async function waitForDeliveries(probe: DeliveryProbe, timeoutMs = DRAIN_TIMEOUT_MS): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if ((await probe.open()) === 0) return (performance.now() - started) / 1000;
    await sleep(250);
  }
  return null;
}

/**
 * The server's pool closes connections idle for 10 s, and the CPU sampler only counts the PostgreSQL backends it
 * finds before the run: after a long wait, open the pool's connections again (concurrent /health, one SELECT 1 each).
 */
async function fillPool(baseUrl: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 40 }, async () => {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
      await response?.arrayBuffer();
    }),
  );
}

async function measureShape(
  tool: LoadTool,
  options: Options,
  shape: Shape,
  baseUrl: string,
  requests: BenchRequest[],
  sampler: CpuSampler | null,
  probe: DeliveryProbe,
): Promise<MessagesShapeResult> {
  const checked = await precheck(baseUrl, shape, requests);
  if (!checked.ok) return failedPrecheck(shape, checked.check, log);
  await waitForQuietMachine(options.quietWait, log);
  await warmUp(tool, options, shape, baseUrl, requests, log);
  if (shape.kind === 'send') {
    // The measured run starts with an empty queue: it measures sends plus the deliveries they cause.
    const drained = await waitForDeliveries(probe);
    if (drained === null) log(`the deliveries of the warm-up did not finish within ${DRAIN_TIMEOUT_MS / 1000} s; measuring anyway`);
    else if (drained > 1) log(`  the deliveries of the warm-up took ${drained.toFixed(1)} s to finish`);
  }
  const run = await measuredRun(tool, options, shape, baseUrl, requests, sampler, log, () => fillPool(baseUrl));
  let delivery: Delivery | undefined;
  if (shape.kind === 'send') {
    const openAtEnd = await probe.open().catch(() => null);
    const drainSeconds = await waitForDeliveries(probe);
    const openAfterWait = drainSeconds === null && probe.exact ? await probe.open().catch(() => null) : null;
    delivery = { openAtEnd: probe.exact ? openAtEnd : null, drainSeconds, openAfterWait, dead: await probe.dead().catch(() => null) };
  }
  return { ...measuredResult(shape, run, checked.check, log, delivery ? deliveryText(delivery) : ''), delivery };
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

function deliveryText(delivery: Delivery): string {
  const open = delivery.openAtEnd === null ? '' : `${formatNumber(delivery.openAtEnd, 0)} deliveries queued at the end, `;
  const drained =
    delivery.drainSeconds !== null
      ? `drained ${delivery.drainSeconds.toFixed(1)} s after the run`
      : `not drained within ${DRAIN_TIMEOUT_MS / 1000} s${delivery.openAfterWait === null ? '' : ` (${formatNumber(delivery.openAfterWait, 0)} still queued)`}`;
  return `${open}${drained}${delivery.dead ? `, ${delivery.dead} dead jobs` : ''}`;
}

const RESULTS_HEADER = `# Benchmark results

Every run of a benchmark script appends a section.
`;

const REPORT: ResultsReport<MessagesShapeResult> = {
  table: (results) =>
    resultsTable(results, 'response check; deliveries; 1-min load before', (result) =>
      [result.failure ?? result.check, result.delivery ? deliveryText(result.delivery) : ''].filter(Boolean).join('; '),
    ),
  headerOfNewFile: RESULTS_HEADER,
};

// ---------------------------------------------------------------------------------------------------------------

async function main(options: Options): Promise<void> {
  const tool = await chooseLoadTool(options);
  const nodeArgs = benchNodeArgs();
  const serverEnv = serverEnvironment();
  delete serverEnv.DATABASE_URL;
  const pgServerUrl = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const run = startRun();
  log(`tool: ${tool.description}`);

  const results: MessagesShapeResult[] = [];
  const dataNotes: string[] = [];
  const notes: string[] = options.note ? [options.note] : [];
  const temporaryDirs: string[] = [];
  let databaseUrl: string | null = null;
  let server: RunningServer | null = null;
  let sql: ReturnType<typeof sqlProbe> | null = null;
  try {
    for (const engine of ['postgres', 'pglite'] as const) {
      const shapes = options.shapes.filter((shape) => shape.engine === engine);
      if (shapes.length === 0) continue;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flextell-bench-messages-${engine}-`));
      temporaryDirs.push(dataDir);
      const env: NodeJS.ProcessEnv = { ...serverEnv, FLEXTELL_DATA_DIR: dataDir };
      let data: EngineData;
      if (engine === 'postgres') {
        log(`recreating the database ${DATABASE_NAME} …`);
        databaseUrl = await recreateDatabase(pgServerUrl);
        env.DATABASE_URL = databaseUrl;
        log('seeding a tenant (40 conversations, 40 customers) …');
        const seed = await seedTenant(env, 40, 40);
        const db = openPostgres(databaseUrl, 1);
        try {
          data = await prepareConversations(db, seed, options.messages);
        } finally {
          await db.close();
        }
      } else {
        log(`seeding PGlite in ${dataDir} (40 conversations, 40 customers) …`);
        const seed = await seedTenant(env, 40, 40);
        // One process per data dir: this one inserts the messages, then closes it before `serve` opens it.
        const release = acquireDataDirLock(dataDir);
        try {
          const db = await openPglite(path.join(dataDir, 'pgdata'));
          try {
            data = await prepareConversations(db, seed, options.messages);
          } finally {
            await db.close();
          }
        } finally {
          release();
        }
      }
      dataNotes.push(
        `${engine === 'postgres' ? `PostgreSQL (database ${DATABASE_NAME}, recreated)` : 'PGlite (temporary FLEXTELL_DATA_DIR)'}: tenant ${data.seed.tenant_id}, ` +
          `sends to Telegram conversations ${data.sendConversations.join(', ')} (hot: ${data.sendConversations[0]}); ` +
          `conversation ${data.bigConversation} holds ${formatNumber(data.bigTotal, 0)} messages (insert ${formatSeconds(data.insertSeconds)}, ` +
          `VACUUM (ANALYZE) ${formatSeconds(data.vacuumSeconds)})`,
      );

      log(`starting the ${engine} server …`);
      server = await startServer(env, nodeArgs);
      log(`server pid ${server.pid} at ${server.url}`);
      const sampler = CpuSampler.available() ? CpuSampler.create(server.pid, engine === 'postgres' ? databaseUrl! : undefined) : null;
      let probe: DeliveryProbe;
      if (engine === 'postgres') {
        sql = sqlProbe(databaseUrl!);
        probe = sql;
      } else {
        probe = apiProbe(server.url, data);
      }
      // Pages first: they measure the state the preparation left (no send traffic, no delivery backlog).
      const ordered = [...shapes].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'page' ? -1 : 1));
      for (const shape of ordered) {
        const { url } = server;
        const requests = shape.requests(data, options);
        results.push(await measureOrFail(shape, url, log, () => measureShape(tool, options, shape, url, requests, sampler, probe)));
      }
      await server.stop();
      server = null;
      await sql?.close();
      sql = null;
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await sql?.close().catch(() => undefined);
    for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  const sectionHead = async () => {
    const postgres = await postgresInfo(databaseUrl, 'not run', ['shared_buffers', 'work_mem', 'synchronous_commit', 'autovacuum']);
    const howServerRan = `${STARTED_SERVER} (HTTP and job worker in one process)`;
    return [
      `## Messages (bench:messages): run of ${isoSeconds(run.startedAt)}`,
      '',
      'Produced by `npm run bench:messages` (bench/messages.ts). Sends: `POST /api/v1/conversations/{id}/messages` ' +
        `\`${SEND_BODY}\`, rotating over ten Telegram conversations, and all to one hot conversation (concurrent sends to ` +
        'one conversation serialise on its row lock). The job worker runs inside `serve` and delivers every sent message ' +
        '(sandbox adapter) during the run: its CPU is in the server and PG columns, and it is part of the real cost of a send. ' +
        'Each send shape starts with an empty job queue; "deliveries queued at the end" is how far the worker fell behind ' +
        '(that delivery work, done after the run, is not in the CPU columns). ' +
        `Pages: \`GET /api/v1/conversations/{id}/messages\`, page 1 and page ${options.deepPage} (15 a page), of a conversation ` +
        `with ${formatNumber(options.messages, 0)} inserted messages. Targets (the issue's, on PostgreSQL): sends ≥ ${formatNumber(SEND_TARGET.minRps!, 0)}/s ` +
        `at ${options.connections} connections (the rotating shape), message-list page p99 ≤ ${PAGE_TARGET.maxP99Ms} ms. ` +
        'PGlite and the hot conversation are reported without a target.',
      '',
      ...runDescriptionLines(run, { script: 'bench:messages', postgres, tool, flags: options, server: howServerRan, nodeArgs }),
      ...dataNotes.map((note) => `- Data: ${note}`),
      ...notes.map((note) => `- Note: ${note}`),
    ];
  };
  await publishResults(results, REPORT, log, options.write ? sectionHead : null);
}

runScript({ name: 'bench:messages', usage: USAGE, readOptions, main });
