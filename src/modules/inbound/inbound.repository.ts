import type { Queryable } from '../../platform/db/db.js';
import type { InsertGuard } from '../messages/message.repository.js';
import { activeEntryCondition, channelCustomerLockSql } from '../blacklist/blacklist.repository.js';
import { statusesBefore } from '../delivery/delivery.repository.js';

/** SQL of inbound processing (docs/channels.md#processing-inbound-events): conversations and customers found by address, ingress checks, updates of stored messages. */

/** A conversation row-locked for its messages, with its customer's blacklist pair lock held (lockChannelCustomer). */
export interface LockedConversation {
  id: number;
  customer_id: number;
  /** Whether the customer had a first or last name when locked. */
  customer_named: boolean;
}

/** The key of a conversation in the map of lockConversationsByKeys. */
export function conversationLockKey(tenantId: number, channelId: number, key: string): string {
  return `${tenantId}:${channelId}:${key}`;
}

/**
 * The conversations of several (channel, address key)s, each row-locked, then each customer's pair lock, in one round
 * trip; keyed by conversationLockKey (keys without a conversation are absent). Rows and pair locks are taken in
 * conversation id order, so two batches locking overlapping sets never wait on each other in opposite orders. The
 * pair lock comes after the row lock, as for every inbound message; whatever it waited for is read by the caller's
 * next statement (a statement's snapshot is taken when it starts).
 */
export async function lockConversationsByKeys(
  tx: Queryable,
  keys: Array<{ tenantId: number; channelId: number; key: string }>,
): Promise<Map<string, LockedConversation>> {
  if (keys.length === 0) return new Map();
  const result = await tx.query<LockedConversation & { tenant_id: number; channel_id: number; address_key: string }>(
    `WITH wanted AS (
       SELECT DISTINCT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS k(tenant_id, channel_id, address_key)),
     conversation AS MATERIALIZED (
       SELECT c.tenant_id, c.channel_id, c.address_key, c.id, c.customer_id,
              (cu.first_name IS NOT NULL OR cu.last_name IS NOT NULL) AS customer_named
         FROM wanted w
         JOIN conversations c ON c.tenant_id = w.tenant_id AND c.channel_id = w.channel_id AND c.address_key = w.address_key
         JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
        ORDER BY c.id
          FOR UPDATE OF c)
     SELECT tenant_id, channel_id, address_key, id, customer_id, customer_named,
            ${channelCustomerLockSql('tenant_id', 'channel_id', 'customer_id')} IS NULL AS paired
       FROM conversation ORDER BY id`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.channelId), keys.map((k) => k.key)],
  );
  return new Map(
    result.rows.map((row) => [
      conversationLockKey(Number(row.tenant_id), Number(row.channel_id), row.address_key),
      { id: Number(row.id), customer_id: Number(row.customer_id), customer_named: row.customer_named },
    ]),
  );
}

/** One conversation's lockConversationsByKeys. */
export async function lockConversationByKey(tx: Queryable, tenantId: number, channelId: number, key: string): Promise<LockedConversation | null> {
  const locked = await lockConversationsByKeys(tx, [{ tenantId, channelId, key }]);
  return locked.get(conversationLockKey(tenantId, channelId, key)) ?? null;
}

/** Whether the conversation's customer still needs names (Instagram's profile lookup is skipped otherwise). */
export async function conversationCustomerIsNamed(db: Queryable, tenantId: number, channelId: number, key: string): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM conversations c JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
      WHERE c.tenant_id = $1 AND c.channel_id = $2 AND c.address_key = $3 AND (cu.first_name IS NOT NULL OR cu.last_name IS NOT NULL)`,
    [tenantId, channelId, key],
  );
  return result.rowCount > 0;
}

export interface ProfileColumns {
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  avatarUrl: string | null;
  username: string | null;
}

/** The live customer with this E.164 phone (WhatsApp), or null. */
export async function findLiveCustomerByPhone(tx: Queryable, tenantId: number, phone: string): Promise<number | null> {
  const result = await tx.query<{ id: number }>('SELECT id FROM customers WHERE tenant_id = $1 AND phone_number = $2 AND deleted_at IS NULL', [
    tenantId,
    phone,
  ]);
  return result.rows[0] ? Number(result.rows[0].id) : null;
}

/** A customer without names takes the profile's names, avatar and username; a named one is left as it is. */
export async function fillNamelessCustomer(tx: Queryable, tenantId: number, customerId: number, profile: ProfileColumns, now: Date): Promise<boolean> {
  if (profile.firstName === null && profile.lastName === null) return false;
  const result = await tx.query(
    `UPDATE customers SET first_name = $3, last_name = $4, avatar_url = COALESCE(avatar_url, $5),
            metadata = CASE WHEN $6::text IS NULL THEN metadata ELSE metadata || jsonb_build_object('username', $6::text) END, updated_at = $7
      WHERE tenant_id = $1 AND id = $2 AND first_name IS NULL AND last_name IS NULL`,
    [tenantId, customerId, profile.firstName, profile.lastName, profile.avatarUrl, profile.username, now],
  );
  return result.rowCount > 0;
}

/** Where readIngressState looks and what it counts: (from, until] is the flood window, `cap` the most it counts. */
export interface IngressTarget {
  tenantId: number;
  channelId: number;
  customerId: number;
  now: Date;
  window: { from: Date; until: Date; cap: number } | null;
}

/** What readIngressState finds. */
export interface IngressState {
  activeEntryId: number | null;
  recentMessages: number;
}

/**
 * The SELECT of the ingress state, its parameters numbered from `$first` in the order of ingressParams.
 *
 * The count walks the customer's conversations and, inside each, its newest customer messages (a LATERAL subquery
 * with LIMIT, which the planner cannot flatten into a join): a plan made while the tables were nearly empty, as on
 * a new install under a burst, then costs a scan per conversation instead of a scan per message
 * (bench/RESULTS.md, bench:ingest).
 */
function ingressStateSql(first: number): string {
  const [tenant, channel, customer, now, from, until, cap] = Array.from({ length: 7 }, (_, i) => `$${first + i}`);
  return `SELECT (SELECT b.id FROM channel_blacklists b
                   WHERE b.tenant_id = ${tenant}::bigint AND b.channel_id = ${channel}::bigint AND b.customer_id = ${customer}::bigint
                     AND ${activeEntryCondition('b', `${now}::timestamptz`)}
                   ORDER BY b.id DESC LIMIT 1) AS active_id,
                 CASE WHEN ${from}::timestamptz IS NOT NULL THEN
                   (SELECT count(*) FROM conversations c
                      CROSS JOIN LATERAL (
                        SELECT 1 FROM messages m
                         WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.is_customer
                           AND m.created_at > ${from}::timestamptz AND m.created_at <= ${until}::timestamptz
                         ORDER BY m.created_at DESC LIMIT ${cap}::int) AS recent
                     WHERE c.tenant_id = ${tenant}::bigint AND c.channel_id = ${channel}::bigint AND c.customer_id = ${customer}::bigint)
                 ELSE 0 END AS recent`;
}

function ingressParams(target: IngressTarget): unknown[] {
  const { window } = target;
  return [target.tenantId, target.channelId, target.customerId, target.now, window?.from ?? null, window?.until ?? null, window?.cap ?? 0];
}

/** The ingress state of a row holding its columns (readIngressState's, or an insert's with ingressGuard). */
export function ingressState(row: { active_id?: unknown; recent?: unknown }): IngressState {
  return { activeEntryId: row.active_id === null || row.active_id === undefined ? null : Number(row.active_id), recentMessages: Number(row.recent ?? 0) };
}

/**
 * §8.1–8.2 in one read: the customer's active blacklist entry on the channel, and (when `window` is given) how many
 * of their inbox messages on it (any address) were received in the window (§9.10), counted up to `window.cap` (the
 * caller only compares with its limit). Read after the caller took the pair lock, so it sees what the lock's previous
 * holder committed.
 */
export async function readIngressState(tx: Queryable, target: IngressTarget): Promise<IngressState> {
  const result = await tx.query<{ active_id: unknown; recent: unknown }>(ingressStateSql(1), ingressParams(target));
  return ingressState(result.rows[0]!);
}

/**
 * readIngressState inside the message insert (insertProviderMessage's guard), for a conversation whose pair lock the
 * caller took in an earlier statement: the row goes in only when no entry is active and the flood limit `maxMessages`
 * (null: flood off) is not passed; otherwise nothing is stored and `stateOf` tells the caller why.
 */
export function ingressGuard(target: IngressTarget, maxMessages: number | null): InsertGuard {
  return {
    ctes: `ingress AS (${ingressStateSql(15)})`,
    condition: `(SELECT active_id FROM ingress) IS NULL AND ($22::int IS NULL OR (SELECT recent FROM ingress) + 1 <= $22::int)`,
    columns: '(SELECT active_id FROM ingress) AS active_id, (SELECT recent FROM ingress) AS recent',
    params: [...ingressParams(target), maxMessages],
  };
}

/** What updates from the provider (statuses, edits, reactions, withdrawals) read of their target message. */
export interface ProviderMessageRow {
  id: number;
  conversation_id: number;
  customer_id: number;
  is_customer: boolean;
  message: string | null;
  delivery_status: string | null;
  extra_metadata: Record<string, unknown>;
}

/** A stored message of the channel by its provider id, row-locked. */
export async function lockMessageByProviderId(
  tx: Queryable,
  tenantId: number,
  channelId: number,
  providerMessageId: string,
): Promise<ProviderMessageRow | null> {
  const result = await tx.query<ProviderMessageRow>(
    `SELECT m.id, m.conversation_id, c.customer_id, m.is_customer, m.message, m.delivery_status, m.extra_metadata FROM messages m
       JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
      WHERE m.tenant_id = $1 AND m.channel_id = $2 AND m.provider_message_id = $3 FOR UPDATE OF m`,
    [tenantId, channelId, providerMessageId],
  );
  return result.rows[0] ?? null;
}

export async function findMessageIdByProviderId(tx: Queryable, tenantId: number, channelId: number, providerMessageId: string): Promise<number | null> {
  const result = await tx.query<{ id: number }>('SELECT id FROM messages WHERE tenant_id = $1 AND channel_id = $2 AND provider_message_id = $3', [
    tenantId,
    channelId,
    providerMessageId,
  ]);
  return result.rows[0] ? Number(result.rows[0].id) : null;
}

/** Moves our outbound message's delivery status forward only (docs/channels.md#processing-inbound-events). */
export async function advanceDeliveryStatus(
  tx: Queryable,
  tenantId: number,
  channelId: number,
  providerMessageId: string,
  status: 'sent' | 'delivered' | 'read' | 'failed',
  reason: string | null,
  now: Date,
): Promise<number | null> {
  const result = await tx.query<{ id: number }>(
    `UPDATE messages SET delivery_status = $4, failure_reason = CASE WHEN $4 = 'failed' THEN $5 ELSE failure_reason END,
            delivery_updated_at = $6, read_at = CASE WHEN $4 = 'read' THEN COALESCE(read_at, $6) ELSE read_at END, updated_at = $6
      WHERE tenant_id = $1 AND channel_id = $2 AND provider_message_id = $3 AND NOT is_customer AND delivery_status = ANY($7::text[])
      RETURNING id`,
    [tenantId, channelId, providerMessageId, status, reason, now, statusesBefore(status)],
  );
  return result.rows[0] ? Number(result.rows[0].id) : null;
}

/** New text (and metadata) of a stored customer message; the conversation preview follows when it is the newest. */
export async function updateCustomerMessage(
  tx: Queryable,
  tenantId: number,
  message: { id: number; conversationId: number; text: string | null; extraMetadata: Record<string, unknown> },
  now: Date,
): Promise<{ previewMoved: boolean }> {
  await tx.query('UPDATE messages SET message = $3, extra_metadata = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    message.id,
    message.text,
    JSON.stringify(message.extraMetadata),
    now,
  ]);
  const preview = await tx.query('UPDATE conversations SET last_message = $3 WHERE tenant_id = $1 AND id = $2 AND last_message_id = $4', [
    tenantId,
    message.conversationId,
    message.text,
    message.id,
  ]);
  return { previewMoved: preview.rowCount > 0 };
}

export async function setMessageMetadata(tx: Queryable, tenantId: number, messageId: number, extraMetadata: Record<string, unknown>, now: Date): Promise<void> {
  await tx.query('UPDATE messages SET extra_metadata = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    messageId,
    JSON.stringify(extraMetadata),
    now,
  ]);
}

/** The message a download_media job fills. */
export async function findMessageForMedia(
  db: Queryable,
  tenantId: number,
  messageId: number,
): Promise<{ id: number; channel_id: number; file_id: number | null } | null> {
  const result = await db.query<{ id: number; channel_id: number; file_id: number | null }>(
    'SELECT id, channel_id, file_id FROM messages WHERE tenant_id = $1 AND id = $2',
    [tenantId, messageId],
  );
  const row = result.rows[0];
  return row ? { id: Number(row.id), channel_id: Number(row.channel_id), file_id: row.file_id === null ? null : Number(row.file_id) } : null;
}

/** A download that kept failing: the message stays without file and says why (metadata `media_error`). */
export async function noteMediaError(tx: Queryable, tenantId: number, messageId: number, reason: string, now: Date): Promise<void> {
  await tx.query(
    `UPDATE messages SET extra_metadata = extra_metadata || jsonb_build_object('media_error', $3::text), updated_at = $4
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, messageId, reason, now],
  );
}
