import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
import type { BlacklistReason } from './blacklist.resource.js';
import type { Metadata } from './metadata.js';

export const BLACKLIST_NOT_FOUND = 'Blacklist entry not found.';

/** A live (not deleted) entry as stored, without its channel and customer. */
export interface BlacklistRecord {
  id: number;
  tenant_id: number;
  channel_id: number;
  customer_id: number;
  reason: BlacklistReason;
  note: string | null;
  blocked_at: Date;
  expires_at: Date | null;
  is_active: boolean;
  metadata: Metadata;
  deleted_at: Date | null;
}

export interface NewBlacklistEntry {
  channelId: number;
  customerId: number;
  reason: BlacklistReason;
  note: string | null;
  blockedAt: Date;
  expiresAt: Date | null;
  metadata: Metadata;
  createdByUserId: number | null;
}

export interface BlacklistChanges {
  reason: BlacklistReason;
  note: string | null;
  expiresAt: Date | null;
  isActive: boolean;
  metadata: Metadata;
}

/**
 * The SQL form of "active" (docs/domain-rules.md#channel-blacklist), for every reader that must agree with `isEntryActive`: the
 * conversations' `blacklist` field, the list's `active` filter and the one-active-entry rule. `now` is a parameter
 * (the injectable clock), never the database's now().
 */
export function activeEntryCondition(alias: string, nowParameter: string): string {
  return `${alias}.deleted_at IS NULL AND ${alias}.is_active AND (${alias}.expires_at IS NULL OR ${alias}.expires_at > ${nowParameter})`;
}

const RECORD_COLUMNS = 'id, tenant_id, channel_id, customer_id, reason, note, blocked_at, expires_at, is_active, metadata, deleted_at';

/** A live entry of the tenant; `lock` holds its row until the transaction ends. */
export async function findEntry(db: Queryable, tenantId: number, entryId: number, lock = false): Promise<BlacklistRecord | null> {
  const result = await db.query<BlacklistRecord>(
    `SELECT ${RECORD_COLUMNS} FROM channel_blacklists
      WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL ${lock ? 'FOR UPDATE' : ''}`,
    [tenantId, entryId],
  );
  return result.rows[0] ?? null;
}

export async function requireEntry(db: Queryable, tenantId: number, entryId: number | null, lock = false): Promise<BlacklistRecord> {
  const entry = entryId === null ? null : await findEntry(db, tenantId, entryId, lock);
  if (!entry) throw notFound(BLACKLIST_NOT_FOUND);
  return entry;
}

/**
 * Serialises every write that could make an entry of (tenant, channel, customer) active, until the transaction
 * ends. Expiry follows the clock, so a unique index cannot say "one active entry"; a transaction-scoped advisory
 * lock can. A hash collision between two pairs only makes them wait for each other.
 */
export async function lockChannelCustomer(tx: Queryable, tenantId: number, channelId: number, customerId: number): Promise<void> {
  await tx.query(`SELECT ${channelCustomerLockSql('$1', '$2', '$3')}`, [tenantId, channelId, customerId]);
}

/** The pair lock as an SQL expression over three SQL values, for a statement that takes it along with other work. */
export function channelCustomerLockSql(tenantId: string, channelId: string, customerId: string): string {
  return `pg_advisory_xact_lock(hashtextextended('channel_blacklists:' || ${tenantId}::text || ':' || ${channelId}::text || ':' || ${customerId}::text, 0))`;
}

/** The active entry of this channel and customer at `now`, other than `exceptId`. */
export async function findActiveEntryId(
  db: Queryable,
  tenantId: number,
  channelId: number,
  customerId: number,
  now: Date,
  exceptId: number | null = null,
): Promise<number | null> {
  const result = await db.query<{ id: number }>(
    `SELECT b.id FROM channel_blacklists b
      WHERE b.tenant_id = $1 AND b.channel_id = $2 AND b.customer_id = $3 AND ${activeEntryCondition('b', '$4')}
        AND ($5::bigint IS NULL OR b.id <> $5)
      ORDER BY b.id DESC LIMIT 1`,
    [tenantId, channelId, customerId, now, exceptId],
  );
  return result.rows[0]?.id ?? null;
}

export async function insertEntry(tx: Queryable, tenantId: number, entry: NewBlacklistEntry, now: Date): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO channel_blacklists (tenant_id, channel_id, customer_id, reason, note, blocked_at, expires_at, is_active, metadata,
                                     created_by_user_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, $9, $10, $10) RETURNING id`,
    [
      tenantId,
      entry.channelId,
      entry.customerId,
      entry.reason,
      entry.note,
      entry.blockedAt,
      entry.expiresAt,
      JSON.stringify(entry.metadata),
      entry.createdByUserId,
      now,
    ],
  );
  return result.rows[0]!.id;
}

export async function updateEntry(tx: Queryable, tenantId: number, entryId: number, changes: BlacklistChanges, now: Date): Promise<void> {
  await tx.query(
    `UPDATE channel_blacklists SET reason = $3, note = $4, expires_at = $5, is_active = $6, metadata = $7, updated_at = $8
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, entryId, changes.reason, changes.note, changes.expiresAt, changes.isActive, JSON.stringify(changes.metadata), now],
  );
}

/** Unblock: switched off and soft-deleted (the row stays for audit). Its pair, or null when it was already deleted. */
export async function softDeleteEntry(db: Queryable, tenantId: number, entryId: number, now: Date): Promise<{ channelId: number; customerId: number } | null> {
  const result = await db.query<{ channel_id: number; customer_id: number }>(
    `UPDATE channel_blacklists SET is_active = false, deleted_at = $3, updated_at = $3
      WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING channel_id, customer_id`,
    [tenantId, entryId, now],
  );
  const row = result.rows[0];
  return row ? { channelId: Number(row.channel_id), customerId: Number(row.customer_id) } : null;
}

/** The conversations of a (channel, customer) pair, whose resources show the pair's active entry. */
export async function findPairConversationIds(db: Queryable, tenantId: number, channelId: number, customerId: number): Promise<number[]> {
  const result = await db.query<{ id: number }>('SELECT id FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND customer_id = $3 ORDER BY id', [
    tenantId,
    channelId,
    customerId,
  ]);
  return result.rows.map((row) => Number(row.id));
}

/** `exists` of customer_id: a customer of the tenant that is not soft-deleted. */
export async function isLiveCustomer(db: Queryable, tenantId: number, customerId: number): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, customerId]);
  return result.rows.length > 0;
}
