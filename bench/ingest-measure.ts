/**
 * What bench:ingest reads back after a run: the lag of every accepted event from the database, the backlog, and the
 * checks that nothing was lost or stored twice, through SQL and through GET /api/v1/conversations.
 *
 * The server's own received_at and processed_at come from its clock, which keeps whole seconds (src/platform/clock.ts),
 * too coarse for a lag target of 2 s; so the benchmark's database gets a probe (`addLagProbe`): two extra columns set
 * by PostgreSQL's clock_timestamp() (microseconds) when the webhook's statement inserts the event and when the
 * processing transaction sets processed_at, the statement before its commit.
 */
import path from 'node:path';
import { tenantHeaders } from './common.js';
import { benchWamid } from './ingest-webhooks.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { acquireDataDirLock } from '../src/platform/data-dir-lock.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

/** The one method of the server's Db and of a pg pool that the statistics need. */
export interface SqlReader {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/** The lag probe (see above): bench databases only, added after `seed` migrated them and before `serve` starts. */
export async function addLagProbe(db: SqlReader): Promise<void> {
  await db.query('ALTER TABLE inbound_events ADD COLUMN bench_received_at timestamptz DEFAULT clock_timestamp(), ADD COLUMN bench_processed_at timestamptz');
  await db.query(`CREATE FUNCTION bench_mark_processed() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN NEW.bench_processed_at := clock_timestamp(); RETURN NEW; END $$`);
  await db.query(`CREATE TRIGGER bench_processed BEFORE UPDATE OF processed_at ON inbound_events
                    FOR EACH ROW WHEN (OLD.processed_at IS NULL AND NEW.processed_at IS NOT NULL) EXECUTE FUNCTION bench_mark_processed()`);
}

/** Events of the channel not processed yet (PostgreSQL, while the server runs). */
export async function unprocessedEvents(db: SqlReader, tenantId: number, channelId: number): Promise<number> {
  const result = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM inbound_events WHERE tenant_id = $1 AND channel_id = $2 AND processed_at IS NULL',
    [tenantId, channelId],
  );
  return Number(result.rows[0]?.n ?? 0);
}

export interface IngestStats {
  /** Measured-run events stored (each one a distinct wamid: the event key is unique per channel). */
  stored: number;
  unprocessed: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Seconds from the end of the measured run until the last measured event was processed. */
  drainSeconds: number;
  outcomes: string;
  /** Webhooks inside the prefix each load thread got through (see `stride`) with no stored event. */
  lost: number;
  /** Gaps where the load tool took a request without sending it (the tail of each stripe, wrk's first request). */
  unsent: number;
  /** Customer messages of the channel and their distinct provider ids (every batch). */
  messages: number;
  distinctMessageIds: number;
  /** Events of the channel (every batch) that made a message. */
  messageEvents: number;
  /** sender wa_id → text of the sender's last received event (every batch). */
  lastTextBySender: Map<string, string>;
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);

/**
 * `stride`: wrk's threads send requests i, i + stride, … each from its own offset (load-tool.ts, `distinct`), so a
 * thread's sent requests are a prefix of its stripe: an index missing well below the highest stored one of its
 * stripe was sent, and acknowledged or in flight, yet never stored.
 */
export async function ingestStats(
  db: SqlReader,
  seed: SeedResult,
  channelId: number,
  runTag: string,
  runEndMs: number,
  load: { stride: number; connections: number; wrk: boolean },
): Promise<IngestStats> {
  const { stride } = load;
  const tenantId = seed.tenant_id;
  const prefix = `message:${benchWamid(runTag, 'M', 0).slice(0, -1)}`;
  const events = await db.query<{ key: string; lag_ms: number | null; processed_epoch: number | null; outcome: string | null }>(
    `SELECT event_key AS key, (extract(epoch FROM bench_processed_at - bench_received_at) * 1000)::float8 AS lag_ms,
            extract(epoch FROM bench_processed_at)::float8 AS processed_epoch, outcome
       FROM inbound_events WHERE tenant_id = $1 AND channel_id = $2 AND starts_with(event_key, $3)`,
    [tenantId, channelId, prefix],
  );
  const lags: number[] = [];
  const indexes = new Set<number>();
  const outcomes = new Map<string, number>();
  let unprocessed = 0;
  let lastProcessed = 0;
  for (const row of events.rows) {
    indexes.add(Number(row.key.slice(prefix.length)));
    outcomes.set(row.outcome ?? 'unprocessed', (outcomes.get(row.outcome ?? 'unprocessed') ?? 0) + 1);
    if (row.lag_ms === null || row.processed_epoch === null) unprocessed++;
    else {
      lags.push(Number(row.lag_ms));
      lastProcessed = Math.max(lastProcessed, Number(row.processed_epoch) * 1000);
    }
  }
  lags.sort((a, b) => a - b);
  // wrk takes one request of the first stripe to inspect it (script_verify_request) and, when the run ends, has
  // taken the next request of each connection without sending it: gaps there are requests never sent.
  let lost = 0;
  let unsent = 0;
  const tail = stride * (Math.ceil(load.connections / stride) + 1);
  for (let stripe = 0; stripe < stride; stripe++) {
    let highest = -1;
    for (const index of indexes) if (index % stride === stripe) highest = Math.max(highest, index);
    for (let index = stripe; index <= highest; index += stride) {
      if (indexes.has(index)) continue;
      if (index > highest - tail || (load.wrk && index === 0)) unsent++;
      else lost++;
    }
  }
  const counts = await db.query<{ messages: number; distinct_ids: number; message_events: number }>(
    `SELECT (SELECT count(*)::int FROM messages WHERE tenant_id = $1 AND channel_id = $2 AND is_customer) AS messages,
            (SELECT count(DISTINCT provider_message_id)::int FROM messages WHERE tenant_id = $1 AND channel_id = $2 AND is_customer) AS distinct_ids,
            (SELECT count(*)::int FROM inbound_events WHERE tenant_id = $1 AND channel_id = $2 AND outcome = 'message') AS message_events`,
    [tenantId, channelId],
  );
  const last = await db.query<{ sender: string; text: string }>(
    `SELECT DISTINCT ON (payload->'messages'->0->>'from') payload->'messages'->0->>'from' AS sender, payload->'messages'->0->'text'->>'body' AS text
       FROM inbound_events WHERE tenant_id = $1 AND channel_id = $2
      ORDER BY payload->'messages'->0->>'from', received_at DESC, id DESC`,
    [tenantId, channelId],
  );
  const count = counts.rows[0]!;
  return {
    stored: indexes.size,
    unprocessed,
    lagP50Ms: percentile(lags, 50),
    lagP99Ms: percentile(lags, 99),
    lagMaxMs: lags.at(-1) ?? 0,
    drainSeconds: lastProcessed === 0 ? 0 : Math.max(0, (lastProcessed - runEndMs) / 1000),
    outcomes: [...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', '),
    lost,
    unsent,
    messages: Number(count.messages),
    distinctMessageIds: Number(count.distinct_ids),
    messageEvents: Number(count.message_events),
    lastTextBySender: new Map(last.rows.map((row) => [row.sender, row.text])),
  };
}

export interface InboxView {
  /** meta.total of GET /api/v1/conversations?channel_type=whatsapp. */
  total: number;
  /** The channel's conversations, their unread counts summed, and address → last_message. */
  conversations: number;
  unread: number;
  lastMessages: Map<string, string | null>;
}

interface ConversationPage {
  data: { address: string; last_message: string | null; unread_count: string | number; channel: { id: number | string } }[];
  meta: { total: number; last_page: number };
}

/** Walks every page of the WhatsApp conversations (100 a page) and keeps the channel's. */
export async function inboxView(baseUrl: string, seed: SeedResult, channelId: number): Promise<InboxView> {
  const view: InboxView = { total: 0, conversations: 0, unread: 0, lastMessages: new Map() };
  for (let page = 1; ; page++) {
    const response = await fetch(`${baseUrl}/api/v1/conversations?channel_type=whatsapp&per_page=100&page=${page}`, {
      headers: tenantHeaders(seed),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 200) throw new Error(`GET /api/v1/conversations → ${response.status} ${(await response.text()).slice(0, 200)}`);
    const body = (await response.json()) as ConversationPage;
    view.total = body.meta.total;
    for (const conversation of body.data) {
      if (Number(conversation.channel.id) !== channelId) continue;
      view.conversations++;
      view.unread += Number(conversation.unread_count);
      view.lastMessages.set(conversation.address, conversation.last_message);
    }
    if (page >= body.meta.last_page || body.data.length === 0) return view;
  }
}

/** Sample of conversations whose last_message is not the text of their sender's last webhook. */
export function lastMessageMismatches(view: InboxView, stats: IngestStats, sample = 50): { checked: number; wrong: string[] } {
  const wrong: string[] = [];
  let checked = 0;
  for (const [sender, text] of stats.lastTextBySender) {
    if (checked >= sample) break;
    checked++;
    const shown = view.lastMessages.get(`+${sender}`);
    if (shown !== text) wrong.push(`+${sender}: ${JSON.stringify(shown)} instead of ${JSON.stringify(text)}`);
  }
  return { checked, wrong };
}

/** Until `pending()` is 0 (PostgreSQL: unprocessed events) or, with `stableAfter`, stops changing at or above it (PGlite: the inbox). */
export async function waitForBacklog(pending: () => Promise<number>, stableAfter: number | null, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let previous = -1;
  while (Date.now() < deadline) {
    const value = await pending();
    if (stableAfter === null ? value === 0 : value >= stableAfter && value === previous) return true;
    previous = value;
    await new Promise((resolve) => setTimeout(resolve, stableAfter === null ? 100 : 2000));
  }
  return false;
}

/** The server's pool closes idle connections and the CPU sampler counts only the backends it finds: open them again before a run. */
export async function fillPool(baseUrl: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 40 }, () =>
      fetch(`${baseUrl}/health`).then(
        (response) => response.arrayBuffer(),
        () => undefined,
      ),
    ),
  );
}

/** PGlite: one process per data dir, so the statistics are read after the server stopped. */
export async function readPglite<T>(dataDir: string, read: (db: SqlReader) => Promise<T>): Promise<T> {
  const release = acquireDataDirLock(dataDir);
  try {
    const db = await openPglite(path.join(dataDir, 'pgdata'));
    try {
      return await read(db as unknown as SqlReader);
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}
