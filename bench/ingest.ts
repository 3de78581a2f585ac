/**
 * Inbound benchmark. On PostgreSQL and on PGlite, through the API (`node dist/cli.js serve`):
 *   posts signed WhatsApp webhooks (one text message each, a distinct wamid each, senders rotating over 2,000
 *   numbers, --senders) to POST /webhooks/whatsapp at 50 connections, and reports accepted webhooks/s and the latency of
 *   the 200; then, from the database, the lag of each accepted message until the inbound pump made it visible
 *   (processed_at − received_at), how long after the run the backlog took to empty, and whether every webhook was
 *   stored exactly once and shows up in GET /api/v1/conversations.
 *
 *   npm run bench:ingest                      # PostgreSQL on 127.0.0.1:5432 (user postgres), then PGlite
 *
 * PostgreSQL: the database flextell_bench_ingest is dropped and recreated (BENCH_PG_URL names the server). PGlite: a
 * temporary FLEXTELL_DATA_DIR, read after the server stops (one process per data dir). Every shape connects a new
 * WhatsApp channel through POST /api/v1/channels and never sends a body twice: pre-check, warm-up and measured run
 * have their own batches, each longer than --max-rps × its seconds (wrk's threads take disjoint stripes of a batch).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { formatNumber, isoSeconds, positiveInteger, runScript, scriptLog } from './common.js';
import type { LoadTool } from './load-tool.js';
import { seedTenant, startServer, startWorker, type RunningServer } from './server-process.js';
import { CpuSampler } from './cpu-sampler.js';
import { chooseLoadTool, LOAD_FLAGS_USAGE, readLoadRunFlags, RUN_FLAGS_USAGE } from './load-flags.js';
import { waitForQuietMachine, measuredRun, measuredResult } from './load-run.js';
import { benchNodeArgs, postgresInfo, runDescriptionLines, serverEnvironment, startRun } from './run-info.js';
import { cpuText, notMeasured, publishResults, resultsTable, type ShapeResult, type Target } from './shape-results.js';
import { recreateDatabase } from './messages-data.js';
import { createWhatsAppChannel, signedWebhooks } from './ingest-webhooks.js';
import {
  addLagProbe,
  fillPool,
  readPglite,
  waitForBacklog,
  ingestStats,
  inboxView,
  lastMessageMismatches,
  unprocessedEvents,
  type InboxView,
  type IngestStats,
  type SqlReader,
} from './ingest-measure.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const DATABASE_NAME = 'flextell_bench_ingest';
const TARGET: Target = { minRps: 2000, maxP99Ms: 60 };
const LAG_TARGET_P99_MS = 2000;
const DRAIN_TIMEOUT_MS = 300_000;

interface Shape {
  id: number;
  engine: 'postgres' | 'pglite';
  label: string;
  target: Target | null;
  /** JOB_CONCURRENCY of the processes that run jobs; null: the default. */
  jobConcurrency: number | null;
  /** `serve --no-jobs` plus one `flextell worker` process. */
  separateWorker: boolean;
}

const SHAPES: Shape[] = [
  { id: 1, engine: 'postgres', label: 'PostgreSQL: webhooks, default JOB_CONCURRENCY', target: TARGET, jobConcurrency: null, separateWorker: false },
  { id: 2, engine: 'postgres', label: 'PostgreSQL: webhooks, JOB_CONCURRENCY=64', target: TARGET, jobConcurrency: 64, separateWorker: false },
  { id: 3, engine: 'postgres', label: 'PostgreSQL: webhooks, serve --no-jobs + flextell worker', target: TARGET, jobConcurrency: null, separateWorker: true },
  { id: 4, engine: 'pglite', label: 'PGlite: webhooks, default JOB_CONCURRENCY', target: null, jobConcurrency: null, separateWorker: false },
  { id: 5, engine: 'postgres', label: 'PostgreSQL: webhooks, JOB_CONCURRENCY=32', target: TARGET, jobConcurrency: 32, separateWorker: false },
];

const USAGE = `Usage: npm run bench:ingest -- [flags]

  --shapes LIST        which shapes to run, e.g. 1,4 (1–3 and 5 PostgreSQL, 4 PGlite)
  --max-rps N          webhooks prepared per second of load, PostgreSQL (5000); PGlite prepares a third
  --rate N             offered load: at most N webhooks/s (autocannon); without it, as fast as the server answers
  --senders N          customers per shape (2000): at 2,000 webhooks/s for 13 s each sends 13, under the flood
                       limit (20 a minute); their first messages open conversations
${LOAD_FLAGS_USAGE}
${RUN_FLAGS_USAGE}

Environment: BENCH_PG_URL (a PostgreSQL server URL; the script drops and recreates ${DATABASE_NAME} there; default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_NODE_ARGS (extra node flags for the processes started here).
`;

function readOptions(argv: string[]) {
  const { flags, values } = readLoadRunFlags(argv, SHAPES, { 'max-rps': { type: 'string' }, senders: { type: 'string' }, rate: { type: 'string' } });
  const rate = values.rate === undefined ? undefined : positiveInteger(values.rate, 'rate', 1);
  return {
    ...flags,
    maxRps: positiveInteger(values['max-rps'], 'max-rps', 5000),
    senders: positiveInteger(values.senders, 'senders', 2000),
    ...(rate === undefined ? {} : { rate }),
  };
}
type Options = ReturnType<typeof readOptions>;

const log = scriptLog('bench:ingest');

interface IngestResult extends ShapeResult<Shape> {
  stats?: IngestStats;
  inbox?: InboxView;
  notes?: string[];
}

interface EngineContext {
  seed: SeedResult;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  databaseUrl: string | null;
  tool: LoadTool;
  nodeArgs: string[];
  options: Options;
}

async function measureShape(shape: Shape, context: EngineContext): Promise<IngestResult> {
  const { seed, options, tool } = context;
  const env = { ...context.env, ...(shape.jobConcurrency ? { JOB_CONCURRENCY: String(shape.jobConcurrency) } : {}) };
  const processes: RunningServer[] = [];
  const sql = context.databaseUrl ? new pg.Pool({ connectionString: context.databaseUrl, max: 1, application_name: 'flextell-bench' }) : null;
  sql?.on('error', () => undefined);
  try {
    const server = await startServer(env, context.nodeArgs, 120_000, shape.separateWorker ? ['--no-jobs'] : []);
    processes.push(server);
    const worker = shape.separateWorker ? startWorker(env, context.nodeArgs) : null;
    if (worker) processes.push(worker);
    log(`shape ${shape.id}: server pid ${server.pid}${worker ? `, worker pid ${worker.pid}` : ''} at ${server.url}`);
    const channel = await createWhatsAppChannel(server.url, seed, `shape ${shape.id}`);
    const rate = shape.engine === 'postgres' ? options.maxRps : Math.ceil(options.maxRps / 3);
    const warmCount = rate * options.warmup;
    const measuredCount = rate * options.duration;
    const senders = { first: shape.id * 1_000_000, count: options.senders };
    const runTag = `${Date.now().toString(36)}S${shape.id}`;
    const precheck = signedWebhooks(channel, runTag, 'P', 1, senders)[0]!;
    const warm = signedWebhooks(channel, runTag, 'W', warmCount, senders);
    const measured = signedWebhooks(channel, runTag, 'M', measuredCount, senders);
    log(`  channel ${channel.id}; ${formatNumber(warmCount + measuredCount, 0)} signed webhooks from ${formatNumber(senders.count, 0)} senders`);
    const response = await fetch(server.url + precheck.path, { method: 'POST', headers: precheck.headers, body: precheck.body });
    const check = `webhook answers ${response.status} ${(await response.text()).slice(0, 60)}`;
    if (response.status !== 200) throw new Error(`pre-check: ${check}`);

    const inbox = () => inboxView(server.url, seed, channel.id);
    const pending = sql ? () => unprocessedEvents(sql, seed.tenant_id, channel.id) : async () => (await inbox()).unread;
    const drain = async (atLeast: number) => {
      const started = performance.now();
      const done = await waitForBacklog(pending, sql ? null : atLeast, DRAIN_TIMEOUT_MS);
      return done ? (performance.now() - started) / 1000 : null;
    };
    await waitForQuietMachine(options.quietWait, log);
    if (options.warmup > 0) {
      log(`shape ${shape.id} (${shape.label}): warm-up ${options.warmup} s`);
      const warmRun = await tool.run({
        baseUrl: server.url,
        requests: warm,
        durationSeconds: options.warmup,
        connections: options.connections,
        distinct: true,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
      });
      const drained = await drain(1 + warmRun.requests);
      log(`  warm-up: ${Math.round(warmRun.rps)} webhooks/s; its backlog ${drained === null ? 'did not drain' : `drained in ${drained.toFixed(1)} s`}`);
    }
    const before = shape.engine === 'pglite' ? (await inbox()).unread : 0;
    const sampler = CpuSampler.available() ? CpuSampler.create(server.pid, context.databaseUrl ?? undefined) : null;
    const workerSampler = worker && CpuSampler.available() ? CpuSampler.create(worker.pid, undefined) : null;
    const workerBefore = workerSampler?.snapshot();
    const run = await measuredRun(tool, { ...options, distinct: true }, shape, server.url, measured, sampler, log, () => fillPool(server.url));
    const runEnd = Date.now();
    const workerCpu = workerSampler && workerBefore ? workerSampler.usage(workerBefore, workerSampler.snapshot(), run.measurement.requests) : null;
    const drained = await drain(before + run.measurement.requests);
    log(`  backlog ${drained === null ? `not drained within ${DRAIN_TIMEOUT_MS / 1000} s` : `drained ${drained.toFixed(1)} s after the run`}`);
    const view = await inbox();
    let stats: IngestStats;
    const load = { stride: run.measurement.stride ?? 1, connections: options.connections, wrk: tool.name === 'wrk' };
    if (sql) stats = await ingestStats(sql as unknown as SqlReader, seed, channel.id, runTag, runEnd, load);
    else {
      for (const process of processes.reverse()) await process.stop();
      processes.length = 0;
      stats = await readPglite(context.dataDir, (db) => ingestStats(db, seed, channel.id, runTag, runEnd, load));
    }
    const notes = workerCpu ? [`worker CPU ${workerCpu.serverMsPerRequest.toFixed(2)} ms per webhook (not in the server column)`] : [];
    const result = measuredResult(shape, run, check, log);
    const detail = ingestText({ ...result, stats, inbox: view, notes }, run.measurement.requests);
    log(`  ${detail}${run.cpu ? `; CPU ${cpuText(run.cpu)}` : ''}`);
    return { ...result, stats, inbox: view, notes };
  } finally {
    for (const process of processes.reverse()) await process.stop().catch(() => undefined);
    await sql?.end().catch(() => undefined);
  }
}

function failed(shape: Shape, error: Error): IngestResult {
  log(`shape ${shape.id} (${shape.label}) failed: ${error.message}`);
  return notMeasured(shape, `failed: ${error.message}`);
}

/** Lag, backlog and the exactly-once checks; marks the run invalid when something was lost or doubled. */
function ingestText(result: IngestResult, accepted: number): string {
  const { stats, inbox } = result;
  if (!stats || !inbox) return result.failure ?? result.check;
  const lagOk = stats.lagP99Ms <= LAG_TARGET_P99_MS;
  const sample = lastMessageMismatches(inbox, stats);
  const exact =
    stats.lost === 0 &&
    stats.unprocessed === 0 &&
    stats.stored >= accepted &&
    stats.messages === stats.distinctMessageIds &&
    stats.messages === stats.messageEvents &&
    inbox.unread === stats.messages &&
    inbox.conversations === stats.lastTextBySender.size &&
    sample.wrong.length === 0;
  if (!exact) process.exitCode = 1;
  return [
    `lag p50 ${formatNumber(stats.lagP50Ms, 0)} / p99 ${formatNumber(stats.lagP99Ms, 0)} / max ${formatNumber(stats.lagMaxMs, 0)} ms` +
      (result.shape.target ? ` (p99 ≤ ${LAG_TARGET_P99_MS / 1000} s: ${lagOk ? 'met' : 'MISSED'})` : ''),
    `backlog empty ${stats.drainSeconds.toFixed(1)} s after the run`,
    `${formatNumber(stats.stored, 0)} events stored for ${formatNumber(accepted, 0)} counted 200s (${stats.stored - accepted} in flight at the stop), ${stats.lost} lost (${stats.unsent} taken by the tool, never sent), ${stats.unprocessed} unprocessed; outcomes ${stats.outcomes}`,
    `channel: ${formatNumber(stats.messages, 0)} customer messages, ${formatNumber(stats.distinctMessageIds, 0)} distinct wamids, ${formatNumber(stats.messageEvents, 0)} message events`,
    `API: ${formatNumber(inbox.conversations, 0)} conversations (meta.total ${formatNumber(inbox.total, 0)} WhatsApp), unread sum ${formatNumber(inbox.unread, 0)}, last_message ${sample.checked - sample.wrong.length}/${sample.checked} right${sample.wrong.length ? ` (${sample.wrong.slice(0, 2).join('; ')})` : ''}`,
    exact ? 'exactly once: yes' : 'EXACTLY ONCE: NO',
    ...(result.notes ?? []),
  ].join('; ');
}

async function main(options: Options): Promise<void> {
  const tool = await chooseLoadTool(options);
  const nodeArgs = benchNodeArgs();
  const serverEnv = serverEnvironment();
  delete serverEnv.DATABASE_URL;
  delete serverEnv.JOB_CONCURRENCY;
  const pgServerUrl = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const run = startRun();
  log(`tool: ${tool.description}`);
  const results: IngestResult[] = [];
  const temporaryDirs: string[] = [];
  let databaseUrl: string | null = null;
  try {
    for (const engine of ['postgres', 'pglite'] as const) {
      const shapes = options.shapes.filter((shape) => shape.engine === engine);
      if (shapes.length === 0) continue;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flextell-bench-ingest-${engine}-`));
      temporaryDirs.push(dataDir);
      const env: NodeJS.ProcessEnv = { ...serverEnv, FLEXTELL_DATA_DIR: dataDir };
      if (engine === 'postgres') {
        log(`recreating the database ${DATABASE_NAME} …`);
        databaseUrl = await recreateDatabase(pgServerUrl, DATABASE_NAME);
        env.DATABASE_URL = databaseUrl;
      }
      const seed = await seedTenant(env, 10, 10);
      if (engine === 'postgres') {
        const probe = new pg.Pool({ connectionString: databaseUrl!, max: 1, application_name: 'flextell-bench' });
        await addLagProbe(probe as unknown as SqlReader).finally(() => probe.end());
      } else await readPglite(dataDir, addLagProbe);
      const context: EngineContext = { seed, env, dataDir, databaseUrl: engine === 'postgres' ? databaseUrl : null, tool, nodeArgs, options };
      for (const shape of shapes) {
        // Each shape stops its own processes: a failed shape leaves nothing running for the next.
        results.push(await measureShape(shape, context).catch((error: Error) => failed(shape, error)));
      }
    }
  } finally {
    for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  const sectionHead = async () => [
    `## Inbound webhooks (bench:ingest): run of ${isoSeconds(run.startedAt)}`,
    '',
    'Produced by `npm run bench:ingest` (bench/ingest.ts). Each shape connects a new WhatsApp channel through ' +
      '`POST /api/v1/channels` and posts signed deliveries (one text message each, every wamid distinct, no body sent twice, ' +
      `senders rotating over ${formatNumber(options.senders, 0)} numbers per shape, the first message of each opening its conversation) ` +
      'to `POST /webhooks/whatsapp`. req/s and p50/p99 ' +
      'are the accepted webhooks (errors: any other answer). Lag: from the insert of each measured event (in the statement ' +
      'that answers the webhook) to the statement that sets its processed_at in the transaction that commits its message, ' +
      'both by clock_timestamp() in columns a trigger adds to the benchmark database (the server keeps whole seconds). Exactly once: ' +
      'events stored = counted 200s plus those in flight at the stop, no gap in what each wrk thread sent, customer messages = ' +
      "distinct wamids = message events = the unread sum over the channel's conversations in `GET /api/v1/conversations`, whose " +
      `last_message matches each sender's last webhook. Target (the issue's, PostgreSQL): ≥ ${formatNumber(TARGET.minRps!, 0)} accepted/s, ` +
      `p99 ≤ ${TARGET.maxP99Ms} ms, lag p99 ≤ ${LAG_TARGET_P99_MS / 1000} s, nothing lost or duplicated. CPU columns: the server process ` +
      '(HTTP plus its job workers) and its PostgreSQL backends during the measured run only; processing after the run is not in them.',
    '',
    ...runDescriptionLines(run, {
      script: 'bench:ingest',
      postgres: await postgresInfo(databaseUrl, 'not run', ['shared_buffers', 'synchronous_commit', 'max_connections', 'autovacuum']),
      tool,
      flags: options,
      server: '`node dist/cli.js serve` started by the script per shape (shape 3: `serve --no-jobs` and `flextell worker`)',
      nodeArgs,
    }),
    ...(options.note ? [`- Note: ${options.note}`] : []),
  ];
  const table = (rows: IngestResult[]) =>
    resultsTable(rows, 'lag until visible; backlog; exactly-once checks', (result) => ingestText(result, result.measurement?.requests ?? 0));
  await publishResults(results, { table, headerOfNewFile: '# Benchmark results\n' }, log, options.write ? sectionHead : null);
}

runScript({ name: 'bench:ingest', usage: USAGE, readOptions, main });
