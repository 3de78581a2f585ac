/**
 * Message benchmark. On PostgreSQL and on PGlite, through the API (`node dist/cli.js serve`, job worker included):
 *   sends  POST /api/v1/conversations/{id}/messages {"message":"bench"} at 50 connections, rotating over ten
 *          Telegram conversations, and all to one hot conversation (concurrent sends to one conversation wait for
 *          its row lock and their deliveries share one ordering key);
 *   pages  GET /api/v1/conversations/{id}/messages, page 1 and a deep page, of a conversation with 100,000 messages.
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
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchRoot, formatSeconds } from './common.js';
import { autocannonTool, wrkInstalled, wrkTool, type BenchRequest, type LoadTool, type Measurement } from './load-tool.js';
import { runCli, startServer, type RunningServer } from './server-process.js';
import { CpuSampler, cpuPressure, machineBusyPercent, type CpuUsage } from './cpu-sampler.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { acquireDataDirLock } from '../src/platform/data-dir-lock.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import type { Db } from '../src/platform/db/db.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const DATABASE_NAME = 'flextell_bench_messages';
const SEND_TARGET: Target = { minRps: 1000, maxP99Ms: null };
const PAGE_TARGET: Target = { minRps: null, maxP99Ms: 50 };
const SEND_BODY = JSON.stringify({ message: 'bench' });

type Engine = 'postgres' | 'pglite';
interface Target {
  minRps: number | null;
  maxP99Ms: number | null;
}

interface Shape {
  id: number;
  engine: Engine;
  kind: 'send' | 'page';
  label: string;
  /** null: reported, no target (the issue sets the send target on PostgreSQL). */
  target: Target | null;
  requests: (data: EngineData, options: Options) => BenchRequest[];
}

/** What one engine's preparation leaves for the shapes. */
interface EngineData {
  seed: SeedResult;
  /** Telegram conversations the send shapes use; the first is the hot one. */
  sendConversations: number[];
  bigConversation: number;
  bigTotal: number;
  insertSeconds: number;
  vacuumSeconds: number;
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

interface ShapeResult {
  shape: Shape;
  measurement: Measurement | null;
  check: string;
  failure: string | null;
  cpu: CpuUsage | null;
  delivery?: Delivery;
  tooSlow?: boolean;
  tailTruncated?: boolean;
}

class UsageError extends Error {}

const messagesPath = (conversationId: number) => `/api/v1/conversations/${conversationId}/messages`;
const authHeaders = (seed: SeedResult) => ({ Authorization: `Bearer ${seed.access_token}`, 'X-Tenant': String(seed.tenant_id) });
const sendRequest = (seed: SeedResult, conversationId: number): BenchRequest => ({
  method: 'POST',
  path: messagesPath(conversationId),
  headers: { ...authHeaders(seed), 'Content-Type': 'application/json' },
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
      requests: (data) => [{ path: messagesPath(data.bigConversation), headers: authHeaders(data.seed) }],
    },
    {
      id: first + 3,
      engine,
      kind: 'page',
      label: `${name}: 100,000-message conversation, deep page`,
      target: engine === 'postgres' ? PAGE_TARGET : null,
      requests: (data, options) => [{ path: `${messagesPath(data.bigConversation)}?page=${options.deepPage}`, headers: authHeaders(data.seed) }],
    },
  ];
}

const SHAPES: Shape[] = [...shapesFor('postgres', 1), ...shapesFor('pglite', 5)];

const USAGE = `Usage: npm run bench:messages -- [flags]

  --shapes LIST        which shapes to run, e.g. 1,3,5 (all: 1–4 PostgreSQL, 5–8 PGlite)
  --messages N         messages in the big conversation (100000)
  --deep-page N        the deep page of the big conversation (3000; 15 messages a page)
  --duration SECONDS   measured run per shape (10)
  --warmup SECONDS     warm-up per shape, not measured (3)
  --connections N      concurrent connections (50)
  --tool NAME          auto (wrk when installed), wrk or autocannon
  --threads N          wrk threads (2)
  --quiet-wait SECONDS before each shape, wait up to this long for the machine to be mostly idle (60; 0 = never)
  --no-write           do not append to bench/RESULTS.md
  --note TEXT          a note for the RESULTS.md section

Environment: BENCH_PG_URL (a PostgreSQL server URL; the script drops and recreates ${DATABASE_NAME} there; default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_NODE_ARGS (extra node flags for the servers started here).
`;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a positive integer (got "${value}").`);
  }
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
        messages: { type: 'string' },
        'deep-page': { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        tool: { type: 'string', default: 'auto' },
        threads: { type: 'string' },
        'quiet-wait': { type: 'string' },
        'no-write': { type: 'boolean', default: false },
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
  const messages = positiveInteger(values.messages, 'messages', 100_000);
  const deepPage = positiveInteger(values['deep-page'], 'deep-page', 3000);
  if ((deepPage - 1) * 15 >= messages) throw new UsageError(`--deep-page ${deepPage} lies beyond the ${messages} messages (15 a page).`);
  return {
    help: values.help ?? false,
    shapes: SHAPES.filter((shape) => shapeIds.includes(shape.id)),
    messages,
    deepPage,
    duration: positiveInteger(values.duration, 'duration', 10),
    warmup: values.warmup === '0' ? 0 : positiveInteger(values.warmup, 'warmup', 3),
    connections: positiveInteger(values.connections, 'connections', 50),
    tool: values.tool as 'auto' | 'wrk' | 'autocannon',
    threads: positiveInteger(values.threads, 'threads', 2),
    quietWait: values['quiet-wait'] === '0' ? 0 : positiveInteger(values['quiet-wait'], 'quiet-wait', 60),
    write: !(values['no-write'] ?? false),
    note: values.note ?? null,
  };
}

type Options = ReturnType<typeof readOptions>;

const log = (line: string) => process.stderr.write(`[bench:messages] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Data

function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function recreateDatabase(serverUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'flextell-bench' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE_NAME} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${DATABASE_NAME} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return databaseUrlFor(serverUrl, DATABASE_NAME);
}

async function seedTenant(env: NodeJS.ProcessEnv): Promise<SeedResult> {
  const output = await runCli(['seed', '--json', '--conversations', '40', '--customers', '40'], env);
  const seed = JSON.parse(output.trim().split('\n').pop() ?? '{}') as SeedResult;
  if (!seed.access_token || !seed.tenant_id) throw new Error(`seed printed no seed object: ${output.slice(0, 200)}`);
  return seed;
}

/**
 * Picks the conversations (Telegram ones for sending: no reply window, sandbox delivery; the first website one for
 * the big conversation), inserts the big conversation's messages set-based, brings its counters and preview up to
 * date and VACUUM ANALYZEs (index-only page scans need the visibility map, the planner needs statistics).
 */
async function prepareConversations(db: Db, seed: SeedResult, messages: number): Promise<EngineData> {
  const tenantId = seed.tenant_id;
  const telegram = await db.query<{ id: number }>(
    "SELECT id FROM conversations WHERE tenant_id = $1 AND channel_type = 'telegram' ORDER BY id LIMIT 10",
    [tenantId],
  );
  if (telegram.rows.length < 10) throw new Error(`the seeded tenant has ${telegram.rows.length} Telegram conversations, 10 needed`);
  const website = await db.query<{ id: number; channel_id: number; channel_type: string }>(
    "SELECT id, channel_id, channel_type FROM conversations WHERE tenant_id = $1 AND channel_type = 'website' ORDER BY id LIMIT 1",
    [tenantId],
  );
  const big = website.rows[0];
  if (!big) throw new Error('the seeded tenant has no website conversation');
  const owner = await db.query<{ id: number; name: string }>('SELECT id, name FROM users WHERE id = $1', [seed.user_id]);
  const user = owner.rows[0];
  if (!user) throw new Error(`user ${seed.user_id} of the seed object not found`);

  log(`inserting ${messages} messages into conversation ${big.id} …`);
  const started = performance.now();
  const total = await db.transaction(async (tx) => {
    // Oldest first, so later messages get larger ids; one message every 10 s, the newest a minute ago; customer
    // and owner alternate, everything read and (owner messages) delivered, as the seeded conversations are.
    await tx.query(
      `INSERT INTO messages (tenant_id, id, conversation_id, channel_id, user_id, user_name, is_customer, message_type, message,
                             read_at, source, provider, provider_message_id, provider_timestamp, delivery_status, delivery_updated_at,
                             created_at, updated_at)
       SELECT $1, m.id, $2, $3,
              CASE WHEN m.customer THEN NULL ELSE $5::bigint END, CASE WHEN m.customer THEN NULL ELSE $6 END,
              m.customer, 'text',
              CASE WHEN m.customer THEN 'Customer question number ' || m.k ELSE 'Owner answer number ' || m.k END,
              m.at + interval '30 seconds',
              CASE WHEN m.customer THEN 'customer' ELSE 'user' END, $4,
              CASE WHEN m.customer THEN NULL ELSE 'sandbox-' || m.id END,
              CASE WHEN m.customer THEN m.at END,
              CASE WHEN m.customer THEN NULL ELSE 'read' END,
              CASE WHEN m.customer THEN NULL ELSE m.at + interval '30 seconds' END,
              m.at, m.at
         FROM (SELECT nextval('messages_id_seq') AS id, s.* FROM (
                 SELECT k, k % 2 = 1 AS customer, date_trunc('second', now()) - make_interval(secs => 60 + 10 * ($7::int - k)) AS at
                   FROM generate_series(1, $7::int) AS k ORDER BY k) s) m`,
      [tenantId, big.id, big.channel_id, big.channel_type, user.id, user.name, messages],
    );
    await tx.query(
      `UPDATE conversations c
          SET last_message_id = l.id, last_message = l.message, last_message_at = l.created_at, last_message_type = l.message_type,
              last_message_is_customer = l.is_customer,
              message_count = (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = $2),
              unread_count = (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = $2
                                 AND m.is_customer AND m.read_at IS NULL AND NOT m.is_deleted),
              created_at = LEAST(c.created_at, (SELECT min(m.created_at) FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = $2)),
              updated_at = l.created_at
         FROM (SELECT id, message, created_at, message_type, is_customer FROM messages
                WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1) l
        WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenantId, big.id],
    );
    const counted = await tx.query<{ message_count: number }>('SELECT message_count FROM conversations WHERE tenant_id = $1 AND id = $2', [tenantId, big.id]);
    return Number(counted.rows[0]?.message_count ?? 0);
  });
  const insertSeconds = (performance.now() - started) / 1000;
  log(`  ${total} messages in conversation ${big.id} (${formatSeconds(insertSeconds)}); VACUUM (ANALYZE) …`);
  const vacuumStarted = performance.now();
  await db.query('VACUUM (ANALYZE)');
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  log(`  VACUUM (ANALYZE) ${formatSeconds(vacuumSeconds)}`);
  return { seed, sendConversations: telegram.rows.map((row) => Number(row.id)), bigConversation: Number(big.id), bigTotal: total, insertSeconds, vacuumSeconds };
}

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

/** Requests still in flight when the tool disconnects keep the server busy; wait until /health answers quickly. */
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
    await sleep(500);
  }
  log(`the server at ${baseUrl} is still busy after ${timeoutMs / 1000} s`);
}

async function waitForQuietMachine(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const deadline = Date.now() + seconds * 1000;
  let busy = await machineBusyPercent(2000);
  if (busy === null || busy < 30) return;
  log(`the machine is ${busy.toFixed(0)}% busy before the shape; waiting up to ${seconds} s for it to calm down`);
  while (busy !== null && busy >= 30 && Date.now() < deadline) busy = await machineBusyPercent(2000);
  if (busy !== null && busy >= 30) log(`still ${busy.toFixed(0)}% busy; measuring anyway (see the "other" CPU column)`);
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
        const response = await fetch(`${baseUrl}${messagesPath(id)}?per_page=1`, { headers: authHeaders(data.seed), signal: AbortSignal.timeout(30_000) });
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

async function measure(tool: LoadTool, options: Options, shape: Shape, baseUrl: string, requests: BenchRequest[], sampler: CpuSampler | null, probe: DeliveryProbe): Promise<ShapeResult> {
  try {
    return await measureShape(tool, options, shape, baseUrl, requests, sampler, probe);
  } catch (error) {
    const failure = `failed: ${(error as Error).message}`;
    log(`shape ${shape.id} (${shape.label}) ${failure}`);
    return { shape, measurement: null, check: failure, failure, cpu: null };
  } finally {
    await waitUntilIdle(baseUrl);
  }
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
): Promise<ShapeResult> {
  const checked = await precheck(baseUrl, shape, requests);
  if (!checked.ok) {
    log(`shape ${shape.id} (${shape.label}) pre-check failed: ${checked.check}`);
    return { shape, measurement: null, check: checked.check, failure: checked.check, cpu: null };
  }
  await waitForQuietMachine(options.quietWait);
  if (options.warmup > 0) {
    log(`shape ${shape.id} (${shape.label}): warm-up ${options.warmup} s`);
    await tool.run({ baseUrl, requests, durationSeconds: options.warmup, connections: options.connections });
    await waitUntilIdle(baseUrl);
  }
  if (shape.kind === 'send') {
    // The measured run starts with an empty queue: it measures sends plus the deliveries they cause.
    const drained = await waitForDeliveries(probe);
    if (drained === null) log(`the deliveries of the warm-up did not finish within ${DRAIN_TIMEOUT_MS / 1000} s; measuring anyway`);
    else if (drained > 1) log(`  the deliveries of the warm-up took ${drained.toFixed(1)} s to finish`);
  }
  log(`shape ${shape.id} (${shape.label}): ${options.duration} s at ${options.connections} connections`);
  const loadBefore = os.loadavg()[0]!;
  await fillPool(baseUrl);
  await sampler?.refreshBackends();
  const before = sampler?.snapshot();
  const measurement = await tool.run({ baseUrl, requests, durationSeconds: options.duration, connections: options.connections });
  const cpu = sampler && before ? sampler.usage(before, sampler.snapshot(), measurement.requests) : null;
  let delivery: Delivery | undefined;
  if (shape.kind === 'send') {
    const openAtEnd = await probe.open().catch(() => null);
    const drainSeconds = await waitForDeliveries(probe);
    const openAfterWait = drainSeconds === null && probe.exact ? await probe.open().catch(() => null) : null;
    delivery = { openAtEnd: probe.exact ? openAtEnd : null, drainSeconds, openAfterWait, dead: await probe.dead().catch(() => null) };
  }
  if (measurement.requests === 0) {
    measurement.errors += options.connections;
    measurement.errorDetail = [measurement.errorDetail, `no response within ${options.duration} s`].filter(Boolean).join('; ');
  }
  const tooSlow = measurement.requests < 2 * options.connections;
  const tailTruncated = measurement.p99Ms >= (options.duration * 1000) / 2;
  log(
    `  ${Math.round(measurement.rps)} req/s, p50 ${measurement.p50Ms.toFixed(1)} ms, p99 ${measurement.p99Ms.toFixed(1)} ms, ` +
      `${measurement.errors} errors${measurement.errorDetail ? ` (${measurement.errorDetail})` : ''}; ${checked.check}` +
      `${delivery ? `; ${deliveryText(delivery)}` : ''}; load average before ${loadBefore.toFixed(2)}${cpu ? `; CPU ${cpuText(cpu)}` : ''}`,
  );
  return { shape, measurement, check: `${checked.check}; load ${loadBefore.toFixed(2)}`, failure: null, cpu, delivery, tooSlow, tailTruncated };
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

async function postgresInfo(url: string | null): Promise<string> {
  if (!url) return 'not run';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const read = async (setting: string) => (await client.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]?.[setting] ?? '?';
    return `${await read('server_version')} (shared_buffers ${await read('shared_buffers')}, work_mem ${await read('work_mem')}, ` +
      `synchronous_commit ${await read('synchronous_commit')})`;
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

function deliveryText(delivery: Delivery): string {
  const open = delivery.openAtEnd === null ? '' : `${fmt(delivery.openAtEnd, 0)} deliveries queued at the end, `;
  const drained =
    delivery.drainSeconds !== null
      ? `drained ${delivery.drainSeconds.toFixed(1)} s after the run`
      : `not drained within ${DRAIN_TIMEOUT_MS / 1000} s${delivery.openAfterWait === null ? '' : ` (${fmt(delivery.openAfterWait, 0)} still queued)`}`;
  return `${open}${drained}${delivery.dead ? `, ${delivery.dead} dead jobs` : ''}`;
}

function verdict(result: ShapeResult): string {
  const { measurement, shape } = result;
  if (!measurement) return 'not run';
  if (measurement.errors > 0) return 'INVALID (errors)';
  if (result.tooSlow) return 'INVALID (too slow to measure: most requests unfinished)';
  if (!shape.target) return 'reported';
  const rpsOk = shape.target.minRps === null || measurement.rps >= shape.target.minRps;
  const p99Ok = shape.target.maxP99Ms === null || measurement.p99Ms <= shape.target.maxP99Ms;
  const tail = result.tailTruncated ? '; p99 is a lower bound (tail longer than half the run)' : '';
  if (rpsOk && p99Ok) return `met${tail}`;
  return `missed (${[rpsOk ? '' : 'req/s', p99Ok ? '' : 'p99'].filter(Boolean).join(', ')})${tail}`;
}

function targetText(shape: Shape): string {
  if (!shape.target) return 'none';
  return [
    shape.target.minRps === null ? '' : `≥ ${fmt(shape.target.minRps, 0)} req/s`,
    shape.target.maxP99Ms === null ? '' : `p99 ≤ ${shape.target.maxP99Ms} ms`,
  ].filter(Boolean).join(', ');
}

function table(results: ShapeResult[]): string {
  const lines = [
    '| # | shape | req/s | p50 ms | p99 ms | errors | requests | target | result | CPU ms/request: server / PG | machine busy (other) | response check; deliveries; 1-min load before |',
    '|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|',
  ];
  for (const result of results) {
    const m = result.measurement;
    const check = [result.failure ?? result.check, result.delivery ? deliveryText(result.delivery) : ''].filter(Boolean).join('; ');
    lines.push(
      `| ${result.shape.id} | ${result.shape.label} | ${m ? fmt(m.rps, 0) : '–'} | ${m ? fmt(m.p50Ms, 1) : '–'} | ${m ? fmt(m.p99Ms, 1) : '–'} | ` +
        `${m ? `${m.errors}${m.errorDetail ? ` (${m.errorDetail})` : ''}` : '–'} | ${m ? fmt(m.requests, 0) : '–'} | ${targetText(result.shape)} | ` +
        `${verdict(result)} | ${result.cpu ? `${result.cpu.serverMsPerRequest.toFixed(2)} / ${result.cpu.postgresMsPerRequest === null ? 'in-process' : result.cpu.postgresMsPerRequest.toFixed(2)}` : '–'} | ` +
        `${result.cpu ? `${result.cpu.machineBusyPercent.toFixed(0)}% (${result.cpu.otherPercent.toFixed(0)}%)` : '–'} | ` +
        `${check.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    );
  }
  return lines.join('\n');
}

const RESULTS_HEADER = `# Benchmark results

Every run of a benchmark script appends a section.
`;

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const useWrk = options.tool === 'wrk' || (options.tool === 'auto' && wrkInstalled());
  if (options.tool === 'wrk' && !wrkInstalled()) throw new UsageError('--tool wrk: wrk is not installed.');
  const tool = useWrk ? wrkTool(options.threads) : await autocannonTool();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const serverEnv: NodeJS.ProcessEnv = { ...process.env, FLEXTELL_RATE_LIMIT_PER_MINUTE: '1000000000', LOG_LEVEL: 'warn' };
  delete serverEnv.DATABASE_URL;
  delete serverEnv.BENCH_URL;
  const pgServerUrl = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const startedAt = new Date();
  const startLoad = formatLoad();
  const sourceAtStart = sourceState();
  log(`tool: ${tool.description}`);

  const results: ShapeResult[] = [];
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
        const seed = await seedTenant(env);
        const db = openPostgres(databaseUrl, 1);
        try {
          data = await prepareConversations(db, seed, options.messages);
        } finally {
          await db.close();
        }
      } else {
        log(`seeding PGlite in ${dataDir} (40 conversations, 40 customers) …`);
        const seed = await seedTenant(env);
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
          `conversation ${data.bigConversation} holds ${fmt(data.bigTotal, 0)} messages (insert ${formatSeconds(data.insertSeconds)}, ` +
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
        results.push(await measure(tool, options, shape, server.url, shape.requests(data, options), sampler, probe));
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
  results.sort((a, b) => a.shape.id - b.shape.id);

  const rendered = table(results);
  process.stdout.write(rendered + '\n');

  if (options.write) {
    const file = path.join(benchRoot(), 'bench', 'RESULTS.md');
    const section = [
      '',
      `## Messages (bench:messages): run of ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      '',
      'Produced by `npm run bench:messages` (bench/messages.ts). Sends: `POST /api/v1/conversations/{id}/messages` ' +
        `\`${SEND_BODY}\`, rotating over ten Telegram conversations, and all to one hot conversation (concurrent sends to ` +
        'one conversation serialise on its row lock). The job worker runs inside `serve` and delivers every sent message ' +
        '(sandbox adapter) during the run: its CPU is in the server and PG columns, and it is part of the real cost of a send. ' +
        'Each send shape starts with an empty job queue; "deliveries queued at the end" is how far the worker fell behind ' +
        '(that delivery work, done after the run, is not in the CPU columns). ' +
        `Pages: \`GET /api/v1/conversations/{id}/messages\`, page 1 and page ${options.deepPage} (15 a page), of a conversation ` +
        `with ${fmt(options.messages, 0)} inserted messages. Targets (the issue's, on PostgreSQL): sends ≥ ${fmt(SEND_TARGET.minRps!, 0)}/s ` +
        `at ${options.connections} connections (the rotating shape), message-list page p99 ≤ ${PAGE_TARGET.maxP99Ms} ms. ` +
        'PGlite and the hot conversation are reported without a target.',
      '',
      `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${startLoad}, at the end ${formatLoad()}` +
        `${cpuPressure() ? `; CPU pressure (some, avg60) at the end ${cpuPressure()}` : ''}`,
      `- Node ${process.version}; PostgreSQL ${await postgresInfo(databaseUrl)}; PGlite ${pgliteVersion()}`,
      `- Tool: ${tool.description}; ${options.connections} connections; ${options.warmup} s warm-up + ${options.duration} s per shape`,
      '- Server: `node dist/cli.js serve` started by the script (HTTP and job worker in one process), LOG_LEVEL=warn, ' +
        `FLEXTELL_RATE_LIMIT_PER_MINUTE=1000000000${nodeArgs.length ? `, node ${nodeArgs.join(' ')}` : ''}`,
      `- Code: src/ and migrations/ at the start of the run: ${sourceAtStart} (npm run bench:messages builds dist/ from them)`,
      ...dataNotes.map((note) => `- Data: ${note}`),
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
  process.stderr.write(`bench:messages failed: ${(error as Error)?.message ?? String(error)}\n`);
  if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
});
