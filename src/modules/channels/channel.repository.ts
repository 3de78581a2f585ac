import type { Queryable } from '../../platform/db/db.js';
import type { ChannelType } from './channel-types.js';

export interface ChannelRow {
  id: number;
  tenant_id: number;
  type: ChannelType;
  name: string;
  address: string;
  is_active: boolean;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  /** The provider account that routes inbound events here (docs/channels.md#channel-management). */
  routing_key?: string | null;
  verify_token_digest?: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function findChannel(db: Queryable, tenantId: number, channelId: number): Promise<ChannelRow | null> {
  const result = await db.query<ChannelRow>('SELECT * FROM channels WHERE tenant_id = $1 AND id = $2', [tenantId, channelId]);
  return result.rows[0] ?? null;
}

/** Several channels by (tenant, id) in one query, keyed `<tenant>:<id>` (inbound processing reads a batch's channels). */
export async function findChannelsByIds(db: Queryable, keys: Array<{ tenantId: number; id: number }>): Promise<Map<string, ChannelRow>> {
  const result = await db.query<ChannelRow>('SELECT c.* FROM channels c JOIN unnest($1::bigint[], $2::bigint[]) AS k(tenant_id, id) USING (tenant_id, id)', [
    keys.map((key) => key.tenantId),
    keys.map((key) => key.id),
  ]);
  return new Map(result.rows.map((row) => [`${row.tenant_id}:${row.id}`, row]));
}

export async function listChannels(
  db: Queryable,
  tenantId: number,
  filter: { type: ChannelType | null; limit: number; offset: number },
): Promise<{ rows: ChannelRow[]; total: number }> {
  const typeClause = filter.type ? 'AND type = $2' : '';
  const params = filter.type ? [tenantId, filter.type] : [tenantId];
  const [rows, total] = await Promise.all([
    db.query<ChannelRow>(`SELECT * FROM channels WHERE tenant_id = $1 ${typeClause} ORDER BY id ASC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      filter.limit,
      filter.offset,
    ]),
    // A tenant has a handful of channels; counting them is cheap.
    db.query<{ total: number }>(`SELECT count(*)::bigint AS total FROM channels WHERE tenant_id = $1 ${typeClause}`, params),
  ]);
  return { rows: rows.rows, total: Number(total.rows[0]?.total ?? 0) };
}

/** The columns a create or update writes (docs/channels.md#channel-management). */
export interface ChannelWrite {
  name: string;
  address: string;
  is_active: boolean;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  routing_key: string | null;
  verify_token_digest: string | null;
}

/** The id of a channel about to be inserted: secrets are sealed with it (their associated data names the channel). */
export async function nextChannelId(tx: Queryable): Promise<number> {
  const result = await tx.query<{ id: string }>("SELECT nextval('channels_id_seq') AS id");
  return Number(result.rows[0]!.id);
}

/** The written columns after the key, in the order both statements below number them ($3 … $9). */
function writeColumns(write: ChannelWrite): unknown[] {
  const { name, address, is_active, settings, secrets, routing_key, verify_token_digest } = write;
  return [name, address, is_active, JSON.stringify(settings), JSON.stringify(secrets), routing_key, verify_token_digest];
}

export async function insertChannel(tx: Queryable, tenantId: number, id: number, type: ChannelType, write: ChannelWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO channels (tenant_id, id, name, address, is_active, settings, secrets, routing_key, verify_token_digest, type, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [tenantId, id, ...writeColumns(write), type, now],
  );
}

export async function updateChannelRow(tx: Queryable, tenantId: number, id: number, write: ChannelWrite, now: Date): Promise<void> {
  await tx.query(
    `UPDATE channels SET name = $3, address = $4, is_active = $5, settings = $6, secrets = $7, routing_key = $8, verify_token_digest = $9, updated_at = $10
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, ...writeColumns(write), now],
  );
}

/** The row with its lock, for an update that merges into it. */
export async function findChannelForUpdate(tx: Queryable, tenantId: number, channelId: number): Promise<ChannelRow | null> {
  const result = await tx.query<ChannelRow>('SELECT * FROM channels WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, channelId]);
  return result.rows[0] ?? null;
}

/** Whether another live channel of any tenant already routes this provider account. */
export async function routingKeyTaken(db: Queryable, type: ChannelType, routingKey: string, except: { tenantId: number; id: number } | null): Promise<boolean> {
  const result = await db.query<{ taken: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM channels WHERE type = $1 AND routing_key = $2 AND is_active AND NOT (tenant_id = $3 AND id = $4)) AS taken`,
    [type, routingKey, except?.tenantId ?? 0, except?.id ?? 0],
  );
  return result.rows[0]?.taken ?? false;
}

/** The tenant of a channel id (ids are unique across tenants): for operator commands that name only the channel. */
export async function findChannelTenant(db: Queryable, channelId: number): Promise<number | null> {
  const result = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM channels WHERE id = $1', [channelId]);
  return result.rows[0] ? Number(result.rows[0].tenant_id) : null;
}
