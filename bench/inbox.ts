/**
 * Inbox benchmark (docs/inbox.md#how-fast). Starts `node dist/cli.js serve` on the embedded database (or PostgreSQL
 * with --engines postgres) with a demo tenant, and drives Debian's Chromium through playwright-core:
 *
 * - sign-in: in a new browser context each time (no cookie, no stored token), sign in on the login
 *   page with the demo login; the time from the login form's submission to the frame that paints the list's first page;
 * - live message: with a WhatsApp conversation open, a customer message is posted to `POST /webhooks/whatsapp`; the
 *   time from the webhook's 200 (as the bench saw it) to the frame that paints the message in the open thread and in
 *   the list, whichever comes last.
 *
 * Each is repeated --repetitions times after one unmeasured warm-up; p50 / p99 / max go to bench/RESULTS.md.
 *
 *   npm run bench:inbox                                   # PGlite, 20 repetitions
 *   npm run bench:inbox -- --engines postgres,pglite --repetitions 50
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { formatNumber, integerOption, isoSeconds, runScript, scriptLog, tenantHeaders } from './common.js';
import { createWhatsAppChannel, messageText, signedWebhooks, type BenchChannel } from './ingest-webhooks.js';
import { CHROMIUM, liveMarks, timedSignIn, watchForMessage, type Login } from './inbox-page.js';
import { recreateDatabase } from './messages-data.js';
import { formatLoadAverages, machineInfo, pgliteVersion, postgresInfo, serverEnvironment, sourceState } from './run-info.js';
import { seedTenant, startServer, type RunningServer } from './server-process.js';
import { publishSection } from './shape-results.js';
import { json, parseStreamFlags, percentile, type Engine } from './streams-common.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const log = scriptLog('bench:inbox');
const DATABASE_NAME = 'flextell_bench_inbox';
/** The targets: the list within 1 s of sign-in, a live message within 1 s of the webhook's 200. */
const TARGET_MS = 1000;
const FIRST_PAGE_ROWS = 25;
const VIEWPORT = { width: 1280, height: 800 };
const PG_SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const USAGE = `Usage: npm run bench:inbox -- [flags]

  --engines LIST       pglite and/or postgres (pglite)
  --repetitions N      measured sign-ins and live messages each, after one warm-up (20)
  --conversations N    conversations of the demo tenant (1000)

Environment: BENCH_PG_URL (a PostgreSQL server URL; ${DATABASE_NAME} is dropped and recreated there; default
postgres://postgres@127.0.0.1:5432/postgres); BENCH_CHROMIUM (default /usr/bin/chromium).
`;

interface Options {
  help: boolean;
  engines: Engine[];
  repetitions: number;
  conversations: number;
}

function readOptions(argv: string[]): Options {
  const { flags, help, engines } = parseStreamFlags(argv, { repetitions: { type: 'string' }, conversations: { type: 'string' } }, 'pglite');
  return {
    help,
    engines,
    repetitions: integerOption(flags.repetitions, 'repetitions', 20, 1),
    conversations: integerOption(flags.conversations, 'conversations', 1000, 1),
  };
}

interface Summary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

interface EngineResult {
  engine: Engine;
  signIn: Summary;
  /** The part after the inbox's page arrived, signed in: the app's start, token exchange, tenants, first page. */
  inApp: Summary;
  live: Summary;
  liveThreadP50: number;
  liveListP50: number;
  /** Messages that did not show in thread and list within 30 s. */
  missing: number;
}

/** Signs in `1 + repetitions` times, each in a new context; the first is the warm-up. */
async function measureSignIns(browser: Browser, base: string, login: Login, rows: number, repetitions: number) {
  const totals: number[] = [];
  const inApp: number[] = [];
  for (let run = 0; run <= repetitions; run++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const timing = await timedSignIn(await context.newPage(), base, login, rows);
      if (run === 0) continue;
      totals.push(timing.totalMs);
      inApp.push(timing.totalMs - timing.toPageMs);
    } finally {
      await context.close();
    }
  }
  return { signIn: summarise(totals), inApp: summarise(inApp) };
}

/** Posts one signed customer message to the WhatsApp webhook; answers the time its 200 arrived. */
async function postWebhook(base: string, channel: BenchChannel, runTag: string, batch: string, sender: number): Promise<number> {
  const [request] = signedWebhooks(channel, runTag, batch, 1, { first: sender, count: 1 });
  const answer = await fetch(`${base}${request!.path}`, { method: request!.method, headers: request!.headers, body: request!.body });
  const answeredAt = Date.now();
  await answer.arrayBuffer();
  if (answer.status !== 200) throw new Error(`POST ${request!.path} answered ${answer.status}`);
  return answeredAt;
}

/** The conversation the sender's first message opened, once it is processed. */
async function conversationOf(base: string, seed: SeedResult, channel: BenchChannel): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const listed = await json(`${base}/api/v1/conversations?channel_type=whatsapp&per_page=100`, { headers: tenantHeaders(seed) });
    const row = (listed.data as Array<{ id: number; channel: { id: number } }>).find((item) => Number(item.channel.id) === channel.id);
    if (row) return Number(row.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the first webhook message opened no conversation within 30 s');
}

async function measureLiveMessages(browser: Browser, server: RunningServer, seed: SeedResult, login: Login, repetitions: number) {
  const base = server.url;
  // One customer writes every time: the flood limit (20 a minute) would hold the later messages back.
  await json(`${base}/api/v1/tenant-settings`, { method: 'PUT', headers: tenantHeaders(seed), body: JSON.stringify({ flood: { enabled: false } }) });
  const channel = await createWhatsAppChannel(base, seed, 'inbox');
  const runTag = crypto.randomBytes(4).toString('hex');
  const sender = 1;
  await postWebhook(base, channel, runTag, 'open', sender);
  const conversationId = await conversationOf(base, seed, channel);

  const context = await browser.newContext({ viewport: VIEWPORT });
  const latencies: number[] = [];
  const thread: number[] = [];
  const list: number[] = [];
  let missing = 0;
  try {
    const page = await context.newPage();
    await timedSignIn(page, base, login, 1);
    await page.goto(`${base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    await page.getByRole('status', { name: 'Live updates' }).filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('log', { name: 'Messages' }).getByRole('article').first().waitFor({ timeout: 30_000 });
    for (let run = 0; run <= repetitions; run++) {
      const batch = `live${run}-`;
      await watchForMessage(page, messageText(batch, 0));
      const answeredAt = await postWebhook(base, channel, runTag, batch, sender);
      const marks = await liveMarks(page, 30_000);
      if (run === 0) continue;
      if (marks.thread === null || marks.list === null) {
        missing++;
        continue;
      }
      // A frame painted before the 200 reached the bench counts as 0.
      thread.push(Math.max(0, marks.thread - answeredAt));
      list.push(Math.max(0, marks.list - answeredAt));
      latencies.push(Math.max(0, Math.max(marks.thread, marks.list) - answeredAt));
    }
  } finally {
    await context.close();
  }
  const p50 = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return { live: summarise(latencies), liveThreadP50: p50(thread), liveListP50: p50(list), missing };
}

async function runEngine(engine: Engine, browser: Browser, options: Options): Promise<EngineResult> {
  const env: NodeJS.ProcessEnv = serverEnvironment();
  let dataDir: string | null = null;
  if (engine === 'postgres') {
    env.DATABASE_URL = await recreateDatabase(PG_SERVER_URL, DATABASE_NAME);
    delete env.FLEXTELL_DATA_DIR;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-inbox-'));
    env.FLEXTELL_DATA_DIR = dataDir;
    delete env.DATABASE_URL;
  }
  // The OAuth redirect URI is bound to PUBLIC_URL when set; the browser talks to the started server.
  delete env.PUBLIC_URL;
  log(`${engine}: seeding a demo tenant of ${options.conversations} conversations`);
  const seed = await seedTenant(env, options.conversations, options.conversations);
  const server = await startServer(env);
  const login: Login = { email: seed.email, password: seed.password, tenant_id: seed.tenant_id };
  try {
    log(`${engine}: ${options.repetitions} sign-ins (+1 warm-up)`);
    const signIns = await measureSignIns(browser, server.url, login, Math.min(FIRST_PAGE_ROWS, options.conversations), options.repetitions);
    log(`${engine}: ${options.repetitions} live messages (+1 warm-up)`);
    const live = await measureLiveMessages(browser, server, seed, login, options.repetitions);
    return { engine, ...signIns, ...live };
  } finally {
    await server.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const verdict = (summary: Summary, invalid = false) => (invalid || summary.samples === 0 ? 'INVALID' : summary.p99 <= TARGET_MS ? 'met' : 'missed');
const ms = (value: number) => formatNumber(value, 0);

function rows(result: EngineResult, repetitions: number): string[] {
  const { signIn, inApp, live } = result;
  const figures = (summary: Summary) => `${summary.samples} | ${ms(summary.p50)} | ${ms(summary.p99)} | ${ms(summary.max)}`;
  return [
    `| ${result.engine} | list's first page after submitting the login form | ${figures(signIn)} | p99 ≤ ${TARGET_MS} ms | ${verdict(signIn)} | ` +
      'login with its password check, authorization redirect, the inbox page, token exchange, tenants, first page |',
    `| ${result.engine} | of which after the inbox page arrived, signed in | ${figures(inApp)} | none | reported | the app's start, token exchange, tenants, first page |`,
    `| ${result.engine} | live message in open thread and list after the webhook's 200 | ${figures(live)} | p99 ≤ ${TARGET_MS} ms | ` +
      `${verdict(live, result.missing > 0)} | p50 thread ${ms(result.liveThreadP50)} ms, list ${ms(result.liveListP50)} ms; missing ${result.missing} of ${repetitions} |`,
  ];
}

async function main(options: Options): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium, or set BENCH_CHROMIUM).`);
  const startedAt = new Date();
  const loadBefore = formatLoadAverages();
  const source = sourceState();
  // Root in a container: Chromium's sandbox needs user namespaces it may not get (as in the browser tests).
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const browserVersion = browser.version();
  const results: EngineResult[] = [];
  try {
    for (const engine of options.engines) results.push(await runEngine(engine, browser, options));
  } finally {
    await browser.close();
  }
  const postgres = await postgresInfo(options.engines.includes('postgres') ? PG_SERVER_URL : null, 'not used');
  const section = [
    `## Inbox in the browser (bench:inbox): run of ${isoSeconds(startedAt)}`,
    '',
    'Produced by `npm run bench:inbox` (bench/inbox.ts): Chromium (headless, 1280 × 800) through playwright-core against one `node dist/cli.js serve` on a demo tenant of ' +
      `${formatNumber(options.conversations, 0)} conversations. Sign-in: each in a new browser context (no cookie or stored token; the app's assets load on the way to the login page, as on a first visit), from the submission of the login page's form (the time origin of the navigation that ends on the inbox) to the frame that paints the list's first ${Math.min(FIRST_PAGE_ROWS, options.conversations)} rows. ` +
      "Live message: a WhatsApp conversation open; a customer message posted to `POST /webhooks/whatsapp`; from the webhook's 200 as the bench saw it to the frame that paints the message in the thread and in the list row, whichever is later. " +
      `${options.repetitions} repetitions of each after one unmeasured warm-up (under 100 samples p99 is the slowest). Targets (the issue's): ≤ 1 s each.`,
    '',
    `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${loadBefore}, at the end ${formatLoadAverages()}`,
    `- Node ${process.version}; Chromium ${browserVersion}; PostgreSQL ${postgres}; PGlite ${pgliteVersion()}`,
    '- Server: `node dist/cli.js serve` started by the script (HTTP and job workers in one process), LOG_LEVEL=warn, API rate limit off, flood limit off for the tenant',
    `- Code: ${source}`,
    '',
    '| engine | measure | samples | p50 ms | p99 ms | max ms | target | result | detail |',
    '|---|---|---:|---:|---:|---:|---|---|---|',
    ...results.flatMap((result) => rows(result, options.repetitions)),
    '',
  ].join('\n');
  publishSection(section, log);
  if (results.some((result) => result.missing > 0)) process.exitCode = 1;
}

runScript({ name: 'bench:inbox', usage: USAGE, readOptions, main });
