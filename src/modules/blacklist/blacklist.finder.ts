import type { Queryable } from '../../platform/db/db.js';
import { activeEntryCondition } from './blacklist.repository.js';
import type { BlacklistReason, BlacklistView } from './blacklist.resource.js';

export interface BlacklistListFilter {
  /** true: only active entries; false: only the others; null: both. */
  active: boolean | null;
  channelId: number | null;
  customerId: number | null;
  reason: BlacklistReason | null;
  limit: number;
  offset: number;
}

type BlacklistRow = Omit<BlacklistView, 'channel' | 'customer'> & {
  channel_id: number;
  channel_name: string;
  channel_address: string;
  customer_id: number;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_phone_number: string | null;
  customer_email: string | null;
};

// A deleted customer's entries keep showing it (docs/tenancy-and-data.md#soft-deletes); channels are never deleted.
const VIEW_SQL = `SELECT b.id, b.tenant_id, b.reason, b.note, b.blocked_at, b.expires_at, b.is_active, b.metadata,
       b.created_at, b.updated_at, b.deleted_at,
       ch.id AS channel_id, ch.name AS channel_name, ch.address AS channel_address,
       cu.id AS customer_id, cu.first_name AS customer_first_name, cu.last_name AS customer_last_name,
       cu.phone_number AS customer_phone_number, cu.email AS customer_email
  FROM channel_blacklists b
  JOIN channels ch ON ch.tenant_id = $1 AND ch.id = b.channel_id
  JOIN customers cu ON cu.tenant_id = $1 AND cu.id = b.customer_id`;

function toView(row: BlacklistRow): BlacklistView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    reason: row.reason,
    note: row.note,
    blocked_at: row.blocked_at,
    expires_at: row.expires_at,
    is_active: row.is_active,
    metadata: row.metadata,
    created_at: row.created_at,
    updated_at: row.updated_at,
    deleted_at: row.deleted_at,
    channel: { id: row.channel_id, name: row.channel_name, address: row.channel_address },
    customer: {
      id: row.customer_id,
      first_name: row.customer_first_name,
      last_name: row.customer_last_name,
      phone_number: row.customer_phone_number,
      email: row.customer_email,
    },
  };
}

/** Reads of blacklist entries with the channel and customer their resource shows, one query per page. */
export class BlacklistFinder {
  constructor(private readonly db: Queryable) {}

  /** A live entry by id (deleted entries are gone for the API). */
  async findById(tenantId: number, entryId: number): Promise<BlacklistView | null> {
    const result = await this.db.query<BlacklistRow>(`${VIEW_SQL} WHERE b.tenant_id = $1 AND b.id = $2 AND b.deleted_at IS NULL`, [tenantId, entryId]);
    return result.rows[0] ? toView(result.rows[0]) : null;
  }

  /** Several entries, deleted ones too (a `blacklist_entry.deleted` event shows the removed entry). */
  async findAnyByIds(tenantId: number, entryIds: readonly number[]): Promise<BlacklistView[]> {
    const result = await this.db.query<BlacklistRow>(`${VIEW_SQL} WHERE b.tenant_id = $1 AND b.id = ANY($2::bigint[])`, [tenantId, entryIds]);
    return result.rows.map(toView);
  }

  /** GET /channel-blacklists (docs/domain-rules.md#channel-blacklist): live entries, newest (highest id) first, exact total. */
  async list(tenantId: number, filter: BlacklistListFilter, now: Date): Promise<{ rows: BlacklistView[]; total: number }> {
    const where = ['b.tenant_id = $1', 'b.deleted_at IS NULL'];
    const params: unknown[] = [tenantId];
    const add = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.active !== null) {
      const active = activeEntryCondition('b', add(now));
      where.push(filter.active ? active : `NOT (${active})`);
    }
    if (filter.channelId !== null) where.push(`b.channel_id = ${add(filter.channelId)}`);
    if (filter.customerId !== null) where.push(`b.customer_id = ${add(filter.customerId)}`);
    if (filter.reason !== null) where.push(`b.reason = ${add(filter.reason)}`);
    const condition = where.join(' AND ');
    const filterParams = [...params];
    const page = `LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`;
    const [rows, total] = await Promise.all([
      this.db.query<BlacklistRow>(`${VIEW_SQL} WHERE ${condition} ORDER BY b.id DESC ${page}`, params),
      this.db.query<{ total: number }>(`SELECT count(*)::bigint AS total FROM channel_blacklists b WHERE ${condition}`, filterParams),
    ]);
    return { rows: rows.rows.map(toView), total: Number(total.rows[0]?.total ?? 0) };
  }
}
