/**
 * The data of bench:messages: a recreated PostgreSQL database, and in the tenant `seed` made, one conversation with
 * 100,000 (--messages) messages inserted set-based in SQL, consistent with what the API itself would have written.
 */
import pg from 'pg';
import { formatSeconds, scriptLog } from './common.js';
import { numberMessagesInListOrder } from '../src/modules/messages/message.repository.js';
import type { Db } from '../src/platform/db/db.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

export const DATABASE_NAME = 'flextell_bench_messages';

const log = scriptLog('bench:messages');

/** What one engine's preparation leaves for the shapes. */
export interface EngineData {
  seed: SeedResult;
  /** Telegram conversations the send shapes use; the first is the hot one. */
  sendConversations: number[];
  bigConversation: number;
  bigTotal: number;
  insertSeconds: number;
  vacuumSeconds: number;
}

function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops and creates `database` (bench:messages' own unless named) on the server; returns its URL. */
export async function recreateDatabase(serverUrl: string, database = DATABASE_NAME): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'flextell-bench' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return databaseUrlFor(serverUrl, database);
}

/**
 * Picks the conversations (Telegram ones for sending: no reply window, sandbox delivery; the first website one for
 * the big conversation), inserts the big conversation's messages set-based, brings its counters and preview up to
 * date and VACUUM ANALYZEs (index-only page scans need the visibility map, the planner needs statistics).
 */
export async function prepareConversations(db: Db, seed: SeedResult, messages: number): Promise<EngineData> {
  const tenantId = seed.tenant_id;
  const telegram = await db.query<{ id: number }>("SELECT id FROM conversations WHERE tenant_id = $1 AND channel_type = 'telegram' ORDER BY id LIMIT 10", [
    tenantId,
  ]);
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
    // A conversation that grew through sends is numbered in arrival order (migration 0014); a bulk insert is not,
    // so number it as 100,000 sends would have.
    await numberMessagesInListOrder(tx, tenantId, big.id);
    const counted = await tx.query<{ message_count: number }>('SELECT message_count FROM conversations WHERE tenant_id = $1 AND id = $2', [tenantId, big.id]);
    return Number(counted.rows[0]?.message_count ?? 0);
  });
  const insertSeconds = (performance.now() - started) / 1000;
  log(`  ${total} messages in conversation ${big.id} (${formatSeconds(insertSeconds)}); VACUUM (ANALYZE) …`);
  const vacuumStarted = performance.now();
  await db.query('VACUUM (ANALYZE)');
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  log(`  VACUUM (ANALYZE) ${formatSeconds(vacuumSeconds)}`);
  return {
    seed,
    sendConversations: telegram.rows.map((row) => Number(row.id)),
    bigConversation: Number(big.id),
    bigTotal: total,
    insertSeconds,
    vacuumSeconds,
  };
}
