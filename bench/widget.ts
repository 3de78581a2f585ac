/**
 * Widget benchmark (docs/channels.md#website-widget). Against `node dist/cli.js serve` on PostgreSQL (1,000 visitors)
 * and on PGlite (200): each visitor opens a session, writes once (opening its conversation) and keeps an event stream
 * open; the server's resident memory is read before and after the streams open (idle) for the memory per stream; then
 * the team sends one reply to each visitor through `POST /api/v1/conversations/{id}/messages` (--concurrency at a
 * time), and the time from each send's 200 to its event on the visitor's stream is recorded (p50 / p99 / max).
 * Every reply must arrive exactly once, on its own visitor's stream, and end up `delivered`.
 *
 *   npm run bench:widget                     # PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL), then PGlite
 *   npm run bench:widget -- --engines postgres --visitors 1000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNumber, integerOption, isoSeconds, runScript, scriptLog, tenantHeaders } from './common.js';
import { publishSection } from './shape-results.js';
import { json, parseStreamFlags, percentile, pool, rssBytes, StreamArrivals, type Engine } from './streams-common.js';
import { seedTenant, startServer, type RunningServer } from './server-process.js';
import { recreateDatabase } from './messages-data.js';
import { formatLoadAverages, machineInfo, pgliteVersion, postgresInfo, serverEnvironment, sourceState } from './run-info.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const log = scriptLog('bench:widget');
const DATABASE_NAME = 'flextell_bench_widget';
const TARGET = { p99Ms: 250, bytesPerStream: 50 * 1024 };

const USAGE = `Usage: npm run bench:widget -- [flags]

  --engines LIST       postgres,pglite (both)
  --visitors N         visitors with an open stream on PostgreSQL (1000); PGlite gets a fifth
  --concurrency N      replies in flight at once (20)

Environment: BENCH_PG_URL (a PostgreSQL server URL; ${DATABASE_NAME} is dropped and recreated there; default
postgres://postgres@127.0.0.1:5432/postgres).
`;

interface Options {
  help: boolean;
  engines: Engine[];
  visitors: number;
  concurrency: number;
}

function readOptions(argv: string[]): Options {
  const { flags, help, engines } = parseStreamFlags(argv, { visitors: { type: 'string' }, concurrency: { type: 'string' } }, 'postgres,pglite');
  return {
    help,
    engines,
    visitors: integerOption(flags.visitors, 'visitors', 1000, 1),
    concurrency: integerOption(flags.concurrency, 'concurrency', 20, 1),
  };
}

interface EngineResult {
  engine: 'postgres' | 'pglite';
  visitors: number;
  p50: number;
  p99: number;
  max: number;
  beforeTheAnswer: number;
  missing: number;
  duplicates: number;
  misrouted: number;
  delivered: number;
  bytesPerStream: number;
  sendSeconds: number;
}

/** The id of a widget stream's event block (every message the visitor receives). */
function messageId(block: string): number | null {
  const match = /^id: (\d+)$/m.exec(block);
  return match ? Number(match[1]) : null;
}

async function runEngine(engine: 'postgres' | 'pglite', visitors: number, concurrency: number): Promise<EngineResult> {
  // Every open stream holds a connection: HTTP_MAX_CONNECTIONS (800 by default) would refuse the last ones.
  const env: NodeJS.ProcessEnv = { ...serverEnvironment(), FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '1000000000', HTTP_MAX_CONNECTIONS: '5000' };
  let dataDir: string | null = null;
  if (engine === 'postgres') {
    env.DATABASE_URL = await recreateDatabase(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', DATABASE_NAME);
    delete env.FLEXTELL_DATA_DIR;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-widget-'));
    env.FLEXTELL_DATA_DIR = dataDir;
    delete env.DATABASE_URL;
  }
  const seed: SeedResult = await seedTenant(env, 0, 1);
  const server: RunningServer = await startServer(env);
  const streams: StreamArrivals[] = [];
  try {
    const api = (route: string, init: RequestInit = {}) => json(`${server.url}/api/v1${route}`, { ...init, headers: tenantHeaders(seed) });
    await api('/tenant-settings', { method: 'PUT', body: JSON.stringify({ flood: { enabled: false } }) });
    const key = (await api(`/channels/${seed.channels.website}`)).data.settings.widget_key as string;

    log(`${engine}: ${visitors} visitors open sessions and write once`);
    const tokens: string[] = new Array(visitors);
    await pool(tokens, 20, async (_, index) => {
      const session = await json(`${server.url}/widget/v1/sessions`, { method: 'POST', body: JSON.stringify({ widget_key: key }) });
      tokens[index] = session.visitor_token;
      await json(`${server.url}/widget/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.visitor_token}` },
        body: JSON.stringify({ message: `visitor ${index}` }),
      });
    });
    const conversationOf = new Map<string, number>();
    for (let page = 1; ; page++) {
      const listed = await api(`/conversations?channel_type=website&per_page=100&page=${page}`);
      for (const row of listed.data as Array<{ id: number; last_message: string }>) conversationOf.set(row.last_message, row.id);
      if (page >= listed.meta.last_page) break;
    }

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssBefore = rssBytes(server.pid);
    log(`${engine}: opening ${visitors} streams`);
    for (let index = 0; index < visitors; index++) streams.push(new StreamArrivals(messageId));
    await pool(streams, 50, (stream, index) => stream.open(`${server.url}/widget/v1/stream?token=${tokens[index]}`));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const bytesPerStream = (rssBytes(server.pid) - rssBefore) / visitors;

    log(`${engine}: one reply to each visitor, ${concurrency} at a time`);
    const answeredAt = new Array<number>(visitors);
    const replyIds = new Array<number>(visitors);
    const started = performance.now();
    await pool(streams, concurrency, async (_, index) => {
      const conversationId = conversationOf.get(`visitor ${index}`);
      if (conversationId === undefined) throw new Error(`no conversation for visitor ${index}`);
      const sent = await api(`/conversations/${conversationId}/messages`, { method: 'POST', body: JSON.stringify({ message: `reply ${index}` }) });
      answeredAt[index] = performance.now();
      replyIds[index] = Number(sent.data.message_id);
    });
    const sendSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !streams.every((stream, index) => stream.arrivals.has(replyIds[index]!))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const latencies: number[] = [];
    let missing = 0;
    let beforeTheAnswer = 0;
    let misrouted = 0;
    streams.forEach((stream, index) => {
      const arrival = stream.arrivals.get(replyIds[index]!);
      if (arrival === undefined) missing++;
      else {
        if (arrival < answeredAt[index]!) beforeTheAnswer++;
        latencies.push(Math.max(0, arrival - answeredAt[index]!));
      }
      misrouted += [...stream.arrivals.keys()].filter((id) => id !== replyIds[index]).length;
    });
    latencies.sort((a, b) => a - b);
    let delivered = 0;
    await pool([...new Set(conversationOf.values())], 10, async (conversationId) => {
      const listed = await api(`/conversations/${conversationId}/messages?per_page=5`);
      for (const message of listed.data as Array<{ is_customer: boolean; metadata: string }>) {
        if (!message.is_customer && JSON.parse(message.metadata).delivery_status === 'delivered') delivered++;
      }
    });
    return {
      engine,
      visitors,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      beforeTheAnswer,
      missing,
      duplicates: streams.reduce((sum, stream) => sum + stream.duplicates, 0),
      misrouted,
      delivered,
      bytesPerStream,
      sendSeconds,
    };
  } finally {
    for (const stream of streams) stream.close();
    await server.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function row(result: EngineResult): string {
  const ok = result.missing === 0 && result.duplicates === 0 && result.misrouted === 0 && result.delivered === result.visitors;
  const met = result.engine === 'postgres' ? (result.p99 <= TARGET.p99Ms && result.bytesPerStream <= TARGET.bytesPerStream ? 'met' : 'missed') : 'no target';
  return `| ${result.engine} | ${formatNumber(result.visitors, 0)} | ${formatNumber(result.p50, 1)} | ${formatNumber(result.p99, 1)} | ${formatNumber(result.max, 1)} | ${formatNumber(result.bytesPerStream / 1024, 1)} | ${formatNumber(result.visitors / result.sendSeconds, 0)} | ${ok ? 'yes' : 'NO'} (missing ${result.missing}, duplicates ${result.duplicates}, misrouted ${result.misrouted}, delivered ${result.delivered}, before the 200 ${result.beforeTheAnswer}) | ${met} |`;
}

async function main(options: Options): Promise<void> {
  const startedAt = new Date();
  const loadBefore = formatLoadAverages();
  const source = sourceState();
  const results: EngineResult[] = [];
  for (const engine of options.engines) {
    const visitors = engine === 'postgres' ? options.visitors : Math.max(1, Math.floor(options.visitors / 5));
    results.push(await runEngine(engine, visitors, options.concurrency));
  }
  const postgres = await postgresInfo(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'not used');
  const section = [
    `## Widget streams (bench:widget): run of ${isoSeconds(startedAt)}`,
    '',
    'Produced by `npm run bench:widget` (bench/widget.ts): visitors each open a widget session, write once, and keep an event stream open; the team then sends one reply to each through `POST /api/v1/conversations/{id}/messages`, ' +
      `${options.concurrency} at a time. Latency: from each send's 200 (as the client saw it) to the reply's event on that visitor's stream (0 when the event came first). Memory: the server's resident set after the streams opened and idled 3 s, minus before, per stream. Target (the issue's, PostgreSQL, 1,000 streams): p99 ≤ 250 ms, ≤ 50 KB per idle stream.`,
    '',
    `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${loadBefore}, at the end ${formatLoadAverages()}`,
    `- Node ${process.version}; PostgreSQL ${postgres}; PGlite ${pgliteVersion()}`,
    `- Server: one \`node dist/cli.js serve\` started by the script, LOG_LEVEL=warn, rate limits off, HTTP_MAX_CONNECTIONS=5000`,
    `- Code: ${source}`,
    '',
    '| engine | open streams | p50 ms | p99 ms | max ms | KB per idle stream | replies/s sent | each reply once, on its stream, delivered | target |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...results.map(row),
    '',
  ].join('\n');
  publishSection(section, log);
}

runScript({ name: 'bench:widget', usage: USAGE, readOptions, main });
