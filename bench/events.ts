/**
 * Event stream benchmark (docs/events.md#the-stream). Against `node dist/cli.js serve` on PostgreSQL: --streams
 * clients keep GET /api/v1/events open on one tenant (types[]=message.created); the server's resident memory is read
 * before and after they open (idle) for the memory per stream; then messages are sent through
 * `POST /api/v1/conversations/{id}/messages` at a steady --rate per second for --seconds, and the time from each
 * send's 200 to its event on every stream is recorded (p50 / p99 / max over all send × stream pairs). Every event
 * must reach every stream exactly once. The figures are appended to bench/RESULTS.md.
 *
 *   npm run bench:events                                  # PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL)
 *   npm run bench:events -- --streams 1000 --rate 200 --seconds 10
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNumber, integerOption, isoSeconds, runScript, scriptLog, tenantHeaders } from './common.js';
import { seedTenant, startServer, type RunningServer } from './server-process.js';
import { recreateDatabase } from './messages-data.js';
import { benchNodeArgs, formatLoadAverages, machineInfo, serverEnvironment, sourceState } from './run-info.js';
import { publishSection } from './shape-results.js';
import { json, parseStreamFlags, percentile, pool, rssBytes, StreamArrivals, type Engine } from './streams-common.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

const log = scriptLog('bench:events');
const DATABASE_NAME = 'flextell_bench_events';
const TARGET = { p99Ms: 250, bytesPerStream: 50 * 1024 };
const MAX_IN_FLIGHT = 64;

const USAGE = `Usage: npm run bench:events -- [flags]

  --engines LIST       postgres and/or pglite (postgres)
  --streams N          open streams on the tenant (1000)
  --rate N             sends per second (200)
  --seconds N          how long the sends go on (10)

Environment: BENCH_PG_URL (a PostgreSQL server URL; ${DATABASE_NAME} is dropped and recreated there; default
postgres://postgres@127.0.0.1:5432/postgres).
`;

interface Options {
  help: boolean;
  engines: Engine[];
  streams: number;
  rate: number;
  seconds: number;
}

function readOptions(argv: string[]): Options {
  const own = { streams: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' } } as const;
  const { flags, help, engines } = parseStreamFlags(argv, own, 'postgres');
  return {
    help,
    engines,
    streams: integerOption(flags.streams, 'streams', 1000, 1),
    rate: integerOption(flags.rate, 'rate', 200, 1),
    seconds: integerOption(flags.seconds, 'seconds', 10, 1),
  };
}

interface EngineResult {
  engine: Engine;
  streams: number;
  sends: number;
  failedSends: number;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  duplicates: number;
  bytesPerStream: number;
  sentPerSecond: number;
}

/** The id of a `message.created` event block (others are not counted). */
function messageCreatedId(block: string): number | null {
  if (!block.startsWith('id: ') || !block.includes('\nevent: message.created\n')) return null;
  return Number(block.slice(4, block.indexOf('\n')));
}

async function runEngine(engine: Engine, options: Options): Promise<EngineResult> {
  let dataDir: string | null = null;
  const env: NodeJS.ProcessEnv = {
    ...serverEnvironment(),
    HTTP_MAX_CONNECTIONS: String(options.streams + 1000),
    FLEXTELL_EVENTS_MAX_STREAMS_PER_TOKEN: '1000',
  };
  if (engine === 'postgres') {
    env.DATABASE_URL = await recreateDatabase(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', DATABASE_NAME);
    delete env.FLEXTELL_DATA_DIR;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-events-'));
    env.FLEXTELL_DATA_DIR = dataDir;
    delete env.DATABASE_URL;
  }
  const seed: SeedResult = await seedTenant(env, 40, 40);
  const server: RunningServer = await startServer(env, benchNodeArgs());
  const streams: StreamArrivals[] = [];
  try {
    const api = (route: string, init: RequestInit = {}) => json(`${server.url}/api/v1${route}`, { ...init, headers: tenantHeaders(seed) });
    await api('/tenant-settings', { method: 'PUT', body: JSON.stringify({ flood: { enabled: false } }) });
    const conversations = (await api('/conversations?channel_type=telegram&per_page=100')).data.map((row: { id: number }) => row.id) as number[];
    if (conversations.length === 0) throw new Error('the seed has no telegram conversation to send to');

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssBefore = rssBytes(server.pid);
    log(`${engine}: opening ${options.streams} streams`);
    const headers = { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id) };
    const url = `${server.url}/api/v1/events?types[]=message.created`;
    for (let index = 0; index < options.streams; index++) streams.push(new StreamArrivals(messageCreatedId));
    await pool(streams, 50, (stream) => stream.open(url, headers));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const bytesPerStream = (rssBytes(server.pid) - rssBefore) / options.streams;

    const total = options.rate * options.seconds;
    log(`${engine}: ${total} sends at ${options.rate}/s`);
    const answeredAt = new Map<number, number>();
    let failedSends = 0;
    let lastFailure = '';
    const started = performance.now();
    const sends: Promise<void>[] = [];
    // A server that falls behind must not be buried under sockets: at most MAX_IN_FLIGHT sends wait at once, and the
    // schedule slips instead (the sends/s column shows it).
    let inFlight = 0;
    for (let index = 0; index < total; index++) {
      const due = started + (index * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (inFlight >= MAX_IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight++;
      const conversationId = conversations[index % conversations.length]!;
      sends.push(
        api(`/conversations/${conversationId}/messages`, { method: 'POST', body: JSON.stringify({ message: `bench ${index}` }) })
          .then((sent) => void answeredAt.set(Number(sent.data.message_id), performance.now()))
          .catch((error: Error) => {
            failedSends++;
            lastFailure = `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`;
          })
          .finally(() => inFlight--),
      );
    }
    await Promise.all(sends);
    if (failedSends > 0) log(`${engine}: ${failedSends} sends failed, the last: ${lastFailure}`);
    const sentPerSecond = total / ((performance.now() - started) / 1000);
    // Each send wrote one message.created, which every stream must receive.
    const expected = answeredAt.size;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !streams.every((stream) => stream.arrivals.size >= expected)) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const eventOfMessage = await eventIdsOfMessages(server, seed, [...answeredAt.keys()]);
    const latencies = new Float64Array(total * streams.length);
    let count = 0;
    let missing = 0;
    for (const [messageId, answered] of answeredAt) {
      const eventId = eventOfMessage.get(messageId);
      for (const stream of streams) {
        const arrival = eventId === undefined ? undefined : stream.arrivals.get(eventId);
        if (arrival === undefined) missing++;
        else latencies[count++] = Math.max(0, arrival - answered);
      }
    }
    const sorted = latencies.subarray(0, count).sort();
    return {
      engine,
      streams: streams.length,
      sends: answeredAt.size,
      failedSends,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      missing,
      duplicates: streams.reduce((sum, stream) => sum + stream.duplicates, 0),
      bytesPerStream,
      sentPerSecond,
    };
  } finally {
    for (const stream of streams) stream.close();
    await server.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Which event carries each sent message, read through the polling endpoint (the streams use up the token's limit). */
async function eventIdsOfMessages(server: RunningServer, seed: SeedResult, messageIds: number[]): Promise<Map<number, number>> {
  const wanted = new Set(messageIds);
  const found = new Map<number, number>();
  for (let after = 0; ; ) {
    const page = await json(`${server.url}/api/v1/events/log?after=${after}&limit=500&types[]=message.created`, { headers: tenantHeaders(seed) });
    for (const event of page.data as Array<{ id: number; data: { id: number } }>) if (wanted.has(event.data.id)) found.set(event.data.id, event.id);
    if (!page.meta.has_more) return found;
    after = page.meta.next_after as number;
  }
}

function row(result: EngineResult): string {
  const ok = result.missing === 0 && result.duplicates === 0 && result.failedSends === 0;
  const met = result.p99 <= TARGET.p99Ms && result.bytesPerStream <= TARGET.bytesPerStream ? 'met' : 'missed';
  return `| ${result.engine} | ${formatNumber(result.streams, 0)} | ${formatNumber(result.sends, 0)} | ${formatNumber(result.sentPerSecond, 0)} | ${formatNumber(result.p50, 1)} | ${formatNumber(result.p99, 1)} | ${formatNumber(result.max, 1)} | ${formatNumber(result.bytesPerStream / 1024, 1)} | ${ok ? 'yes' : 'NO'} (missing ${result.missing}, duplicates ${result.duplicates}, failed sends ${result.failedSends}) | ${met} |`;
}

async function main(options: Options): Promise<void> {
  const startedAt = new Date();
  const loadBefore = formatLoadAverages();
  const results: EngineResult[] = [];
  for (const engine of options.engines) results.push(await runEngine(engine, options));
  const section = [
    `## Event streams (bench:events): run of ${isoSeconds(startedAt)}`,
    '',
    `${options.streams} streams of GET /api/v1/events (types[]=message.created) open on one tenant; ${options.rate} sends/s for ${options.seconds} s through POST /api/v1/conversations/{id}/messages. ` +
      "Latency: from each send's 200 to its message.created on each stream (every send × stream pair). Memory: the server's resident set after the streams opened and idled 3 s, minus before, per stream. Target (PostgreSQL, 1,000 streams): p99 ≤ 250 ms, ≤ 50 KB per idle stream.",
    '',
    `- Machine: ${machineInfo()}; load average (1/5/15 min) at the start ${loadBefore}, at the end ${formatLoadAverages()}`,
    `- Code: ${sourceState()}`,
    '',
    '| engine | open streams | sends | sends/s | p50 ms | p99 ms | max ms | KB per idle stream | every event once on every stream | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...results.map(row),
    '',
  ].join('\n');
  publishSection(section, log);
}

runScript({ name: 'bench:events', usage: USAGE, readOptions, main });
