import type { Queryable } from '../../platform/db/db.js';
import { CUSTOMER_LINES, FIRST_NAMES, LAST_NAMES, OWNER_LINES, sqlTextArray } from './demo-content.js';

/**
 * SQL of the demo seeder (seed.ts decides what a demo tenant holds): set-based inserts, so a large seed costs a few
 * statements per batch rather than one per row.
 */

/** Demo customer k has this phone; conversations find their customer through it (an indexed, set-based join). */
const PHONE = (index: string) => `'+1555' || lpad((${index})::text, 7, '0')`;

export async function insertDemoCustomers(tx: Queryable, tenantId: number, count: number, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO customers (tenant_id, first_name, last_name, phone_number, created_at, updated_at)
     SELECT $1, (${sqlTextArray(FIRST_NAMES)})[1 + g % ${FIRST_NAMES.length}],
            (${sqlTextArray(LAST_NAMES)})[1 + (g / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}],
            ${PHONE('g')}, $2, $2
       FROM generate_series(1, $3::int) AS g`,
    [tenantId, now, count],
  );
}

/**
 * Conversations first..last (1-based) with their messages, set-based. Shape per docs/tenancy-and-data.md#demo-data: conversation g
 * uses channel (g-1) % 4 and customer (g-1) % customers + 1; every third one ends with 1–2 unread customer
 * messages, the others with a read reply by the Owner; g = 1 is the newest, its last message within the hour.
 */
export async function insertDemoConversations(
  tx: Queryable,
  options: {
    tenantId: number;
    channelIds: number[];
    channelTypes: string[];
    customers: number;
    total: number;
    first: number;
    last: number;
    owner: { id: number; name: string };
    now: Date;
  },
): Promise<void> {
  const { tenantId, now } = options;
  const spanSeconds = 71 * 3600;
  // Message count n, trailing unread u: unread conversations are [customer, owner, customer×u]; the others alternate and end with the owner.
  // The work tables live as long as the session and empty at each commit: creating and dropping them per seed
  // cost more than a small seed's rows (the tests make hundreds of small seeds). Batches after the first in one
  // transaction empty them themselves.
  await tx.query(
    `CREATE TEMP TABLE IF NOT EXISTS seed_plan (g int PRIMARY KEY, n int, u int, last_at timestamptz(0), channel_index int,
       address text, address_key text, conversation_id bigint) ON COMMIT DELETE ROWS`,
  );
  await tx.query(
    `CREATE TEMP TABLE IF NOT EXISTS seed_messages (id bigint, g int, j int, n int, is_customer boolean, unread boolean, at timestamptz)
       ON COMMIT DELETE ROWS`,
  );
  if (options.first > 1) await tx.query('TRUNCATE seed_plan, seed_messages');
  // Every conversation gets its own address on its channel; WhatsApp keys are the address digits.
  await tx.query(
    `INSERT INTO seed_plan (g, n, u, last_at, channel_index, address, address_key, conversation_id)
     SELECT g, n, u, last_at, channel_index, address,
            CASE WHEN channel_index = 1 THEN regexp_replace(address, '[^0-9]', '', 'g') ELSE address END,
            nextval('conversations_id_seq')
       FROM (SELECT g,
                    CASE WHEN g % 3 = 0 THEN 3 + (g / 3) % 2 ELSE 2 + 2 * (g % 2) END AS n,
                    CASE WHEN g % 3 = 0 THEN 1 + (g / 3) % 2 ELSE 0 END AS u,
                    $1::timestamptz - make_interval(secs => 60 + floor((g - 1)::float8 * $2 / $3)) AS last_at,
                    1 + (g - 1) % 4 AS channel_index,
                    CASE (g - 1) % 4 WHEN 0 THEN '+1556' || lpad(g::text, 7, '0')
                                     WHEN 1 THEN (17841000000000 + g)::text
                                     WHEN 2 THEN 'visitor-' || g
                                     ELSE (5100000000 + g)::text END AS address
               FROM generate_series($4::int, $5::int) AS g) planned`,
    [now, spanSeconds, Math.max(options.total, 1), options.first, options.last],
  );
  // Message ids are drawn first (over rows sorted oldest conversation first, so later messages get larger ids),
  // letting each conversation be written once, complete with last_message_id and message_count. Within a
  // conversation, j orders both created_at and id, so it is the arrival number (seq, migration 0014).
  await tx.query(
    `INSERT INTO seed_messages (id, g, j, n, is_customer, unread, at)
     SELECT nextval('messages_id_seq'), ordered.* FROM (
       SELECT p.g, j, p.n, (j % 2 = 1 OR j > p.n - p.u) AS is_customer, j > p.n - p.u AS unread,
              p.last_at - make_interval(mins => 2 * (p.n - j)) AS at
         FROM seed_plan p CROSS JOIN LATERAL generate_series(1, p.n) AS j
        ORDER BY p.g DESC, j) ordered`,
  );
  // Statistics for the rows just written (this transaction's own rows count): without them the planner takes the
  // fresh tenant's customers and these temp tables for a handful of rows and joins them by nested loops, which
  // made the insert below quadratic (3,000 conversations took 18 s on PGlite).
  await tx.query('ANALYZE customers, seed_plan, seed_messages');
  await tx.query(
    `INSERT INTO conversations (tenant_id, id, channel_id, channel_type, customer_id, address, address_key, last_message_id, message_count,
                                last_message_at, last_message, last_message_type, last_message_is_customer, unread_count, created_at, updated_at)
     SELECT $1, p.conversation_id, ($2::bigint[])[p.channel_index], ($3::text[])[p.channel_index], cu.id, p.address, p.address_key,
            last.id, p.n, p.last_at,
            CASE WHEN p.u > 0 THEN (${sqlTextArray(CUSTOMER_LINES)})[1 + (p.g + p.n) % ${CUSTOMER_LINES.length}]
                 ELSE (${sqlTextArray(OWNER_LINES)})[1 + (p.g + p.n) % ${OWNER_LINES.length}] END,
            'text', p.u > 0, p.u,
            p.last_at - make_interval(mins => 2 * (p.n - 1)), p.last_at
       FROM seed_plan p
       JOIN seed_messages last ON last.g = p.g AND last.j = p.n
       JOIN customers cu ON cu.tenant_id = $1 AND cu.deleted_at IS NULL
                        AND cu.phone_number = ${PHONE(`(p.g - 1) % ${options.customers} + 1`)}`,
    [tenantId, options.channelIds, options.channelTypes],
  );
  await tx.query(
    `INSERT INTO messages (tenant_id, id, conversation_id, channel_id, user_id, user_name, is_customer, message_type, message,
                           read_at, source, provider, provider_message_id, provider_timestamp, delivery_status, delivery_updated_at,
                           created_at, updated_at, seq)
     SELECT $1, m.id, p.conversation_id, ($2::bigint[])[p.channel_index],
            CASE WHEN m.is_customer THEN NULL ELSE $4::bigint END, CASE WHEN m.is_customer THEN NULL ELSE $5 END,
            m.is_customer, 'text',
            CASE WHEN m.is_customer THEN (${sqlTextArray(CUSTOMER_LINES)})[1 + (m.g + m.j) % ${CUSTOMER_LINES.length}]
                 ELSE (${sqlTextArray(OWNER_LINES)})[1 + (m.g + m.j) % ${OWNER_LINES.length}] END,
            CASE WHEN m.unread THEN NULL ELSE m.at + interval '30 seconds' END,
            CASE WHEN m.is_customer THEN 'customer' ELSE 'user' END, ($3::text[])[p.channel_index],
            CASE WHEN m.is_customer THEN NULL ELSE 'sandbox-' || m.id END,
            CASE WHEN m.is_customer THEN m.at END,
            CASE WHEN m.is_customer THEN NULL ELSE 'read' END,
            CASE WHEN m.is_customer THEN NULL ELSE m.at + interval '30 seconds' END,
            m.at, m.at, m.j
       FROM seed_messages m JOIN seed_plan p ON p.g = m.g`,
    [tenantId, options.channelIds, options.channelTypes, options.owner.id, options.owner.name],
  );
}

/** The demo tenant's confidential application, allowed every scope and client credentials. */
export async function insertDemoApplication(
  tx: Queryable,
  tenantId: number,
  application: { clientId: string; secretHash: string; redirectUris: string[]; scopes: readonly string[]; createdByUserId: number },
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO oauth_clients (tenant_id, client_id, name, secret_hash, redirect_uris, confidential, scopes, allows_client_credentials,
                                created_by_user_id, created_at, updated_at)
     VALUES ($1, $2, 'Demo App', $3, $4, true, $5, true, $6, $7, $7)`,
    [
      tenantId,
      application.clientId,
      application.secretHash,
      JSON.stringify(application.redirectUris),
      JSON.stringify(application.scopes),
      application.createdByUserId,
      now,
    ],
  );
}

export async function insertDemoChannel(
  tx: Queryable,
  tenantId: number,
  channel: { type: string; name: string; address: string; settings: Record<string, unknown> },
  now: Date,
): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO channels (tenant_id, type, name, address, settings, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [tenantId, channel.type, channel.name, channel.address, JSON.stringify(channel.settings), now],
  );
  return inserted.rows[0]!.id;
}

/** The list totals of the seeded conversations, counted once at the end instead of per insert. */
export async function countDemoConversations(tx: Queryable, tenantId: number, channelTypes: readonly string[]): Promise<void> {
  await tx.query(
    `INSERT INTO conversation_counts (tenant_id, channel_type, total)
     SELECT $1, t.type, (SELECT count(*) FROM conversations c WHERE c.tenant_id = $1 AND c.channel_type = t.type)
       FROM unnest($2::text[]) AS t(type)`,
    [tenantId, [...channelTypes]],
  );
}

/**
 * Fresh statistics for the planner: PGlite has no autovacuum, and PostgreSQL's would come only later. Only the
 * tables the seed filled: a database-wide ANALYZE also walks every catalog (a third of a small seed's time).
 */
export async function analyzeSeededTables(db: Queryable): Promise<void> {
  await db.query('ANALYZE tenants, users, memberships, channels, customers, conversations, messages, conversation_counts');
}
