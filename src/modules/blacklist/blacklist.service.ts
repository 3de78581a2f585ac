import type { Db, Queryable } from '../../platform/db/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import {
  BLACKLIST_NOT_FOUND,
  findActiveEntryId,
  insertEntry,
  lockChannelCustomer,
  requireEntry,
  softDeleteEntry,
  updateEntry,
  type NewBlacklistEntry,
} from './blacklist.repository.js';
import { isEntryActive, type BlacklistReason } from './blacklist.resource.js';
import type { Metadata } from './metadata.js';

export const ALREADY_BLOCKED = 'The customer is already blocked on this channel.';

export interface BlockRequest {
  channelId: number;
  customerId: number;
  reason: BlacklistReason;
  note: string | null;
  /** null: permanent. */
  ttlSeconds: number | null;
  metadata: Metadata;
  createdByUserId: number | null;
}

/** PUT fields; undefined keeps the stored value. */
export interface EntryUpdate {
  reason?: BlacklistReason;
  note?: string | null;
  expiresAt?: Date | null;
  isActive?: boolean;
  /** Merged into the stored object, top-level keys of the request winning. */
  metadata?: Metadata;
}

function alreadyBlocked(): AppError {
  return new AppError('conflict', ALREADY_BLOCKED);
}

/**
 * Adds an entry unless the pair already has an active one (docs/domain-rules.md#channel-blacklist), inside the caller's transaction;
 * returns the new id, or null when blocked already. The platform's automatic blocks call this too.
 */
export async function insertUnlessBlocked(tx: Queryable, tenantId: number, entry: NewBlacklistEntry, now: Date): Promise<number | null> {
  await lockChannelCustomer(tx, tenantId, entry.channelId, entry.customerId);
  if ((await findActiveEntryId(tx, tenantId, entry.channelId, entry.customerId, now)) !== null) return null;
  return insertEntry(tx, tenantId, entry, now);
}

/** POST /channel-blacklists (docs/domain-rules.md#channel-blacklist): blocked_at is the request second, expires_at exactly ttl seconds later. */
export async function blockCustomer(db: Db, tenantId: number, request: BlockRequest, now: Date): Promise<number> {
  const blockedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const expiresAt = request.ttlSeconds === null ? null : new Date(blockedAt.getTime() + request.ttlSeconds * 1000);
  const { ttlSeconds: _ttl, ...entry } = request;
  const id = await db.transaction((tx) => insertUnlessBlocked(tx, tenantId, { ...entry, blockedAt, expiresAt }, now));
  if (id === null) throw alreadyBlocked();
  return id;
}

/**
 * PUT /channel-blacklists/{id} (docs/domain-rules.md#channel-blacklist). An entry that becomes active again (switched back on, or given a future or
 * null expiry after it expired) must not join another active entry of its pair (docs/domain-rules.md#channel-blacklist).
 */
export async function updateBlacklistEntry(db: Db, tenantId: number, entryId: number, update: EntryUpdate, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    // The pair lock comes before the row lock, in the same order as every other write of the pair.
    const { channel_id: channelId, customer_id: customerId } = await requireEntry(tx, tenantId, entryId);
    await lockChannelCustomer(tx, tenantId, channelId, customerId);
    const entry = await requireEntry(tx, tenantId, entryId, true);
    const next = {
      reason: update.reason ?? entry.reason,
      note: update.note === undefined ? entry.note : update.note,
      expiresAt: update.expiresAt === undefined ? entry.expires_at : update.expiresAt,
      isActive: update.isActive ?? entry.is_active,
      metadata: update.metadata ? { ...entry.metadata, ...update.metadata } : entry.metadata,
    };
    const reactivated = !isEntryActive(entry, now) && isEntryActive({ is_active: next.isActive, expires_at: next.expiresAt, deleted_at: null }, now);
    if (reactivated && (await findActiveEntryId(tx, tenantId, channelId, customerId, now, entryId)) !== null) throw alreadyBlocked();
    await updateEntry(tx, tenantId, entryId, next, now);
  });
}

/** DELETE /channel-blacklists/{id} (docs/domain-rules.md#channel-blacklist): switched off and soft-deleted; a second unblock is a 404. */
export async function unblockEntry(db: Db, tenantId: number, entryId: number, now: Date): Promise<void> {
  if (!(await softDeleteEntry(db, tenantId, entryId, now))) throw notFound(BLACKLIST_NOT_FOUND);
}
