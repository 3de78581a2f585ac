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
  created_at: Date;
  updated_at: Date;
}

export async function findChannel(db: Queryable, tenantId: number, channelId: number): Promise<ChannelRow | null> {
  const result = await db.query<ChannelRow>('SELECT * FROM channels WHERE tenant_id = $1 AND id = $2', [tenantId, channelId]);
  return result.rows[0] ?? null;
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
