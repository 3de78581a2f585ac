/**
 * Embedded responder benchmark (docs/agent.md#the-embedded-responder). For each engine: a tenant seeded through the
 * CLI, 10,000 published knowledge articles written set-based (the row trigger of migration 0022 indexes each), then
 * questions answered in-process by `answerFromKnowledge`, the same function an agent run calls: one at a time for the
 * latency per answer (p50 / p99 / max), then --concurrency at a time on PostgreSQL for answers/s. The candidate query
 * is EXPLAINed: it must use the GIN index of the search vector, never scan the tenant's articles.
 *
 *   npm run bench:agent                       # PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL), then PGlite
 *   npm run bench:agent -- --engines pglite --articles 2000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNumber, integerOption, isoSeconds, parseFlags, runScript, scriptLog, UsageError } from './common.js';
import { publishSection } from './shape-results.js';
import { seedTenant } from './server-process.js';
import { recreateDatabase } from './messages-data.js';
import { formatLoadAverages, machineInfo, pgliteVersion, postgresInfo, serverEnvironment, sourceState } from './run-info.js';
import { articleText, questionFor } from './agent-data.js';
import { acquireDataDirLock } from '../src/platform/data-dir-lock.js';
import type { Db } from '../src/platform/db/db.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { systemClock } from '../src/platform/clock.js';
import { answerFromKnowledge } from '../src/modules/agent/knowledge-responder.js';
import { anyLexemeQuery, RANK_ARTICLES_SQL, textLexemes } from '../src/modules/knowledge/knowledge-search.finder.js';

const log = scriptLog('bench:agent');
const DATABASE_NAME = 'flextell_bench_agent';
const TARGET = { p99Ms: 100, answersPerSecond: 100 };
const PG_SERVER_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const USAGE = `Usage: npm run bench:agent -- [flags]

  --engines LIST       postgres,pglite (both)
  --articles N         published articles in the tenant (10000)
  --questions N        answers timed one at a time per engine (1000)
  --concurrency N      answers in flight at once for the PostgreSQL throughput (4)

Environment: BENCH_PG_URL (a PostgreSQL server URL; ${DATABASE_NAME} is dropped and recreated there; default
postgres://postgres@127.0.0.1:5432/postgres).
`;

interface Options {
  help: boolean;
  engines: Array<'postgres' | 'pglite'>;
  articles: number;
  questions: number;
  concurrency: number;
}

function readOptions(argv: string[]): Options {
  const flags = parseFlags(argv, {
    help: { type: 'boolean', default: false },
    engines: { type: 'string' },
    articles: { type: 'string' },
    questions: { type: 'string' },
    concurrency: { type: 'string' },
  });
  const engines = (flags.engines ?? 'postgres,pglite').split(',').map((name) => name.trim());
  for (const engine of engines) if (engine !== 'postgres' && engine !== 'pglite') throw new UsageError(`--engines: unknown engine "${engine}".`);
  return {
    help: flags.help ?? false,
    engines: engines as Options['engines'],
    articles: integerOption(flags.articles, 'articles', 10_000, 1),
    questions: integerOption(flags.questions, 'questions', 1000, 1),
    concurrency: integerOption(flags.concurrency, 'concurrency', 4, 1),
  };
}

interface EngineResult {
  engine: 'postgres' | 'pglite';
  articles: number;
  insertSeconds: number;
  answers: number;
  replies: number;
  p50: number;
  p99: number;
  max: number;
  sequentialPerSecond: number;
  concurrentPerSecond: number | null;
  plan: string;
}

async function insertArticles(db: Db, tenantId: number, count: number): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < count; first += 500) {
    const batch = Array.from({ length: Math.min(500, count - first) }, (_, index) => articleText(first + index));
    await db.query(
      `INSERT INTO knowledge_articles (tenant_id, title, body, language) SELECT $1, t, b, 'english' FROM unnest($2::text[], $3::text[]) AS a (t, b)`,
      [tenantId, batch.map((article) => article.title), batch.map((article) => article.body)],
    );
  }
  await db.query('VACUUM (ANALYZE) knowledge_articles');
  return (performance.now() - started) / 1000;
}

/** The candidate query's plan for a typical question: it must read the GIN index, not the table. */
async function candidatePlan(db: Db, tenantId: number, question: string): Promise<string> {
  const lexemes = await textLexemes(db, 'english', question);
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${RANK_ARTICLES_SQL}`, [tenantId, anyLexemeQuery(lexemes), question, lexemes, 1]);
  const lines = plan.rows.map((row) => row['QUERY PLAN']);
  if (lines.some((line) => /Seq Scan on knowledge_articles/.test(line))) throw new Error(`the candidate query scans the articles:\n${lines.join('\n')}`);
  if (!lines.some((line) => /knowledge_articles_search/.test(line))) throw new Error(`the candidate query does not use the GIN index:\n${lines.join('\n')}`);
  return lines
    .filter((line, index) => index === 0 || /^\s*->/.test(line))
    .map((line) => line.replace(/^\s*->\s*/, '').replace(/\s+\(cost=.*$/, ''))
    .join(' → ');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function runEngine(engine: 'postgres' | 'pglite', options: Options): Promise<EngineResult> {
  const env: NodeJS.ProcessEnv = serverEnvironment();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flextell-bench-agent-${engine}-`));
  env.FLEXTELL_DATA_DIR = dataDir;
  if (engine === 'postgres') {
    log(`recreating the database ${DATABASE_NAME} …`);
    env.DATABASE_URL = await recreateDatabase(PG_SERVER_URL, DATABASE_NAME);
  } else delete env.DATABASE_URL;
  log(`${engine}: seeding a tenant …`);
  const seed = await seedTenant(env, 1, 1);
  const release = engine === 'pglite' ? acquireDataDirLock(dataDir) : () => undefined;
  const db = engine === 'postgres' ? openPostgres(env.DATABASE_URL!, options.concurrency) : await openPglite(path.join(dataDir, 'pgdata'));
  try {
    const [conversation] = (
      await db.query<{ channel_id: number; customer_id: number }>('SELECT channel_id, customer_id FROM conversations WHERE tenant_id = $1 LIMIT 1', [
        seed.tenant_id,
      ])
    ).rows;
    const input = (question: string) => ({
      tenantId: seed.tenant_id,
      channelId: conversation!.channel_id,
      customerId: conversation!.customer_id,
      triggers: [{ text: question }],
    });
    log(`${engine}: writing ${formatNumber(options.articles, 0)} articles …`);
    const insertSeconds = await insertArticles(db, seed.tenant_id, options.articles);
    const plan = await candidatePlan(db, seed.tenant_id, questionFor(1, options.articles));
    const ask = (n: number) => answerFromKnowledge(db, systemClock, input(questionFor(n, options.articles)));
    for (let n = 0; n < 50; n++) await ask(n); // warm-up: plans and caches
    log(`${engine}: ${options.questions} answers one at a time …`);
    const timings: number[] = [];
    let replies = 0;
    const started = performance.now();
    for (let n = 0; n < options.questions; n++) {
      const before = performance.now();
      const decision = await ask(1000 + n);
      timings.push(performance.now() - before);
      if (decision.kind === 'reply') replies++;
    }
    const sequentialSeconds = (performance.now() - started) / 1000;
    let concurrentPerSecond: number | null = null;
    if (engine === 'postgres' && options.concurrency > 1) {
      log(`${engine}: ${options.questions} answers, ${options.concurrency} at a time …`);
      let next = 0;
      const burstStarted = performance.now();
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.questions) await ask(100_000 + next++);
        }),
      );
      concurrentPerSecond = options.questions / ((performance.now() - burstStarted) / 1000);
    }
    timings.sort((a, b) => a - b);
    return {
      engine,
      articles: options.articles,
      insertSeconds,
      answers: options.questions,
      replies,
      p50: percentile(timings, 50),
      p99: percentile(timings, 99),
      max: timings[timings.length - 1] ?? 0,
      sequentialPerSecond: options.questions / sequentialSeconds,
      concurrentPerSecond,
      plan,
    };
  } finally {
    await db.close();
    release();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function row(result: EngineResult, concurrency: number): string {
  const throughput = result.concurrentPerSecond ?? result.sequentialPerSecond;
  const met =
    result.engine === 'postgres'
      ? result.p99 <= TARGET.p99Ms && throughput >= TARGET.answersPerSecond
        ? 'met'
        : 'missed'
      : result.p99 <= TARGET.p99Ms
        ? 'p99 met'
        : 'p99 missed';
  const perSecond = `${formatNumber(result.sequentialPerSecond, 0)}${result.concurrentPerSecond === null ? '' : ` (${concurrency} at a time: ${formatNumber(result.concurrentPerSecond, 0)})`}`;
  return `| ${result.engine} | ${formatNumber(result.articles, 0)} (${formatNumber(result.insertSeconds, 1)} s) | ${formatNumber(result.answers, 0)} (${formatNumber((100 * result.replies) / result.answers, 0)}% replies) | ${formatNumber(result.p50, 1)} | ${formatNumber(result.p99, 1)} | ${formatNumber(result.max, 1)} | ${perSecond} | ${met} | ${result.plan} |`;
}

async function main(options: Options): Promise<void> {
  const startedAt = new Date();
  const loadBefore = formatLoadAverages();
  const source = sourceState();
  const results: EngineResult[] = [];
  for (const engine of options.engines) results.push(await runEngine(engine, options));
  const postgres = await postgresInfo(PG_SERVER_URL, 'not used');
  const section = [
    `## Embedded responder (bench:agent): run of ${isoSeconds(startedAt)}`,
    '',
    'Produced by `npm run bench:agent` (bench/agent.ts): one tenant with the articles below (generated English text, all published), questions made of ' +
      'words of a random article or of no article, each answered in-process by `answerFromKnowledge` (embedded rules with their messages query, ' +
      "the tenant's settings, lexemes, ranked candidates, the best article's sentences): one at a time for the latency, then several at once on PostgreSQL " +
      `for answers/s. Target (the issue's, PostgreSQL, 10,000 articles): p99 ≤ ${TARGET.p99Ms} ms per answer, ≥ ${TARGET.answersPerSecond} answers/s.`,
    '',
    `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${loadBefore}, at the end ${formatLoadAverages()}`,
    `- Node ${process.version}; PostgreSQL ${postgres}; PGlite ${pgliteVersion()}`,
    `- Code: ${source}`,
    '',
    '| engine | articles (write + VACUUM ANALYZE) | answers | p50 ms | p99 ms | max ms | answers/s | target | candidate plan |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...results.map((result) => row(result, options.concurrency)),
    '',
  ].join('\n');
  publishSection(section, log);
}

runScript({ name: 'bench:agent', usage: USAGE, readOptions, main });
