import type { Db, Queryable } from '../../platform/db/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import {
  BLACKLIST_NOT_FOUND,
  findActiveEntryId,
  findPairConversationIds,
  insertEntry,
  lockChannelCustomer,
  requireEntry,
  softDeleteEntry,
  updateEntry,
  type NewBlacklistEntry,
} from './blacklist.repository.js';
import { isEntryActive, type BlacklistReason } from './blacklist.resource.js';
import type { Metadata } from './metadata.js';
import { recordEvents } from '../events/event-recorder.js';
import type { ChangeKind, EventActor } from '../events/event-types.js';

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
export async function insertUnlessBlocked(tx: Queryable, tenantId: number, entry: NewBlacklistEntry, actor: EventActor, now: Date): Promise<number | null> {
  await lockChannelCustomer(tx, tenantId, entry.channelId, entry.customerId);
  if ((await findActiveEntryId(tx, tenantId, entry.channelId, entry.customerId, now)) !== null) return null;
  const id = await insertEntry(tx, tenantId, entry, now);
  await recordEntryChange(tx, tenantId, { id, channelId: entry.channelId, customerId: entry.customerId }, 'created', actor, now);
  return id;
}

/**
 * An entry's event, then one conversation.updated per conversation of its channel and customer: their resources
 * show the pair's active entry (docs/events.md#who-writes-what).
 */
async function recordEntryChange(
  tx: Queryable,
  tenantId: number,
  entry: { id: number; channelId: number; customerId: number },
  change: ChangeKind,
  actor: EventActor,
  now: Date,
): Promise<void> {
  recordEvents(tx, tenantId, actor, now, { kind: 'blacklist_entry', id: entry.id, change });
  const conversations = await findPairConversationIds(tx, tenantId, entry.channelId, entry.customerId);
  recordEvents(tx, tenantId, actor, now, ...conversations.map((id) => ({ kind: 'conversation' as const, id, change: 'updated' as const })));
}

/** POST /channel-blacklists (docs/domain-rules.md#channel-blacklist): blocked_at is the request second, expires_at exactly ttl seconds later. */
export async function blockCustomer(db: Db, tenantId: number, request: BlockRequest, actor: EventActor, now: Date): Promise<number> {
  const blockedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const expiresAt = request.ttlSeconds === null ? null : new Date(blockedAt.getTime() + request.ttlSeconds * 1000);
  const { ttlSeconds: _ttl, ...entry } = request;
  const id = await db.transaction((tx) => insertUnlessBlocked(tx, tenantId, { ...entry, blockedAt, expiresAt }, actor, now));
  if (id === null) throw alreadyBlocked();
  return id;
}

/**
 * PUT /channel-blacklists/{id} (docs/domain-rules.md#channel-blacklist). An entry that becomes active again (switched back on, or given a future or
 * null expiry after it expired) must not join another active entry of its pair (docs/domain-rules.md#channel-blacklist).
 */
export async function updateBlacklistEntry(db: Db, tenantId: number, entryId: number, update: EntryUpdate, actor: EventActor, now: Date): Promise<void> {
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
    await recordEntryChange(tx, tenantId, { id: entryId, channelId, customerId }, 'updated', actor, now);
  });
}

/** DELETE /channel-blacklists/{id} (docs/domain-rules.md#channel-blacklist): switched off and soft-deleted; a second unblock is a 404. */
export async function unblockEntry(db: Db, tenantId: number, entryId: number, actor: EventActor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const deleted = await softDeleteEntry(tx, tenantId, entryId, now);
    if (!deleted) throw notFound(BLACKLIST_NOT_FOUND);
    await recordEntryChange(tx, tenantId, { id: entryId, channelId: deleted.channelId, customerId: deleted.customerId }, 'deleted', actor, now);
  });
}
