/**
 * The demo seeder's data, pinned: `flextell seed` is rewritten for speed from time to time, and what it writes (the
 * shape of README "Demo data") must not move with it. A small seed's rows, with ids made relative and times taken
 * from the seed's clock, are compared by aggregates a reader can check and by a digest of every row.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { seedDemoTenant, type SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let seed: SeedResult;
let now: Date;
beforeAll(async () => {
  h = await createHarness();
  now = h.clock.now();
  seed = await seedDemoTenant(h.deps, { conversations: 14, customers: 5, issuer: 'http://localhost:8080' });
});
afterAll(async () => h?.close());

/** Seconds from the seed's clock, so the rows compare across runs. */
const AGO = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE round(extract(epoch FROM $2::timestamptz - ${column}))::int END`;

async function conversationRows() {
  return sql(
    h,
    `
    SELECT (c.id - min(c.id) OVER ())::int AS id, c.channel_type, c.address, c.address_key, cu.phone_number AS customer_phone,
           c.message_count::int AS message_count, c.unread_count::int AS unread_count, c.last_message, c.last_message_type, c.last_message_is_customer,
           (c.last_message_id - (SELECT min(id) FROM messages WHERE tenant_id = $1))::int AS last_message_id,
           ${AGO('c.last_message_at')} AS last_at, ${AGO('c.created_at')} AS created, ${AGO('c.updated_at')} AS updated,
           c.messages_arrival_ordered
      FROM conversations c JOIN customers cu ON cu.id = c.customer_id
     WHERE c.tenant_id = $1 ORDER BY c.id`,
    [seed.tenant_id, now],
  );
}

async function messageRows() {
  return sql(
    h,
    `
    SELECT (m.id - min(m.id) OVER ())::int AS id, (m.conversation_id - (SELECT min(id) FROM conversations WHERE tenant_id = $1))::int AS conversation,
           m.channel_id = $3 AS on_whatsapp, m.user_id IS NOT NULL AS by_user, m.user_name, m.is_customer, m.message_type, m.message,
           ${AGO('m.read_at')} AS read, m.source, m.provider, m.provider_message_id IS NOT NULL AS has_provider_id,
           ${AGO('m.provider_timestamp')} AS provider_at, m.delivery_status, ${AGO('m.delivery_updated_at')} AS delivery_at,
           ${AGO('m.created_at')} AS created, ${AGO('m.updated_at')} AS updated, m.seq::int AS seq
      FROM messages m WHERE m.tenant_id = $1 ORDER BY m.id`,
    [seed.tenant_id, now, seed.channels.whatsapp],
  );
}

async function customerRows() {
  return sql(h, `SELECT first_name, last_name, phone_number, ${AGO('created_at')} AS created FROM customers WHERE tenant_id = $1 ORDER BY id`, [
    seed.tenant_id,
    now,
  ]);
}

const digest = (rows: unknown) => crypto.createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16);

describe('demo seed shape (14 conversations, 5 customers)', () => {
  it('spreads conversations over the four channels and the customers, every third one unread', async () => {
    const rows = await conversationRows();
    expect(rows.map((row) => row.channel_type)).toEqual(Array.from({ length: 14 }, (_, g) => ['whatsapp', 'instagram', 'website', 'telegram'][g % 4]));
    expect(rows.map((row) => Number(row.message_count))).toEqual(EXPECTED.messageCounts);
    expect(rows.map((row) => Number(row.unread_count))).toEqual(EXPECTED.unreadCounts);
    expect(rows.map((row) => row.customer_phone)).toEqual(EXPECTED.customerPhones);
    expect(rows.map((row) => row.last_at)).toEqual(EXPECTED.lastAt);
    const [counts] = await sql(h, 'SELECT json_object_agg(channel_type, total ORDER BY channel_type) AS totals FROM conversation_counts WHERE tenant_id = $1', [
      seed.tenant_id,
    ]);
    expect(counts!.totals).toEqual({ instagram: 4, telegram: 3, website: 3, whatsapp: 4 });
  });

  it('writes the same rows as before, byte for byte once ids and times are made relative', async () => {
    expect({
      conversations: digest(await conversationRows()),
      messages: digest(await messageRows()),
      customers: digest(await customerRows()),
    }).toEqual(EXPECTED.digests);
  });
});

/** Taken from the seeder before its rewrite for speed (commit 3df7efc), identical on PGlite and PostgreSQL. */
const EXPECTED = {
  messageCounts: [4, 2, 4, 2, 4, 3, 4, 2, 4, 2, 4, 3, 4, 2],
  unreadCounts: [0, 0, 2, 0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0],
  customerPhones: [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4].map((k) => `+155500000${String(k).padStart(2, '0')}`),
  lastAt: [60, 18317, 36574, 54831, 73088, 91345, 109602, 127860, 146117, 164374, 182631, 200888, 219145, 237402],
  digests: { conversations: 'f2aab6b64242fb0a', messages: '2898219944f69800', customers: '5cb5e45e443d81a8' },
};
