import { containsPattern } from '../../platform/db/like-pattern.js';
import type { Queryable } from '../../platform/db/db.js';
import type { ChannelType } from '../channels/channel-types.js';
import type { ConversationView } from './conversation.resource.js';
import { activeEntryCondition } from '../blacklist/blacklist.repository.js';

export interface ConversationListFilter {
  search: string | null;
  channelType: ChannelType | null;
  limit: number;
  offset: number;
}

/** The flat row of the page query: the view's own columns plus prefixed customer and channel columns. */
type ConversationRow = Omit<ConversationView, 'customer' | 'channel' | 'blacklist'> & {
  customer_id: number;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_phone_number: string | null;
  customer_email: string | null;
  customer_avatar_url: string | null;
  channel_id: number;
  channel_name: string;
  channel_type: ChannelType;
  channel_address: string;
  blacklist: null | {
    id: number;
    tenant_id: number;
    reason: never;
    note: string | null;
    blocked_at: string;
    expires_at: string | null;
    is_active: boolean;
    metadata: Record<string, unknown>;
    created_at: string;
    updated_at: string;
    deleted_at: string | null;
  };
};

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

/** Field by field: spreading the flat 30-column row was a measurable share of the list's CPU time. */
function toView(row: ConversationRow): ConversationView {
  const channel = { id: row.channel_id, name: row.channel_name, type: row.channel_type, address: row.channel_address };
  const customer = {
    id: row.customer_id,
    first_name: row.customer_first_name,
    last_name: row.customer_last_name,
    phone_number: row.customer_phone_number,
    avatar_url: row.customer_avatar_url,
  };
  const entry = row.blacklist;
  return {
    id: row.id,
    address: row.address,
    last_message_id: row.last_message_id,
    last_message: row.last_message,
    last_message_at: row.last_message_at,
    last_message_type: row.last_message_type,
    last_message_is_customer: row.last_message_is_customer,
    unread_count: row.unread_count,
    agent_paused: row.agent_paused,
    agent_expires_at: row.agent_expires_at,
    agent_disabled_by_name: row.agent_disabled_by_name,
    customer,
    channel,
    blacklist: entry && {
      ...entry,
      blocked_at: new Date(entry.blocked_at),
      expires_at: date(entry.expires_at),
      created_at: new Date(entry.created_at),
      updated_at: new Date(entry.updated_at),
      deleted_at: date(entry.deleted_at),
      channel: { id: channel.id, name: channel.name, address: channel.address },
      customer: { ...customer, email: row.customer_email },
    },
  };
}

/**
 * One round trip for a page: the total (from the counters, or counted for a search) and the page rows. Page ids
 * come from the inbox index alone; each is then joined through a LATERAL subquery with OFFSET 0, which keeps the
 * per-row nested loop even in a generic (prepared) plan. The active blacklist entry is read at `now`, so an entry
 * disappears the second it expires.
 */
function pageSql(totalSql: string, pageIdsSql: string): string {
  return `WITH total AS (${totalSql}), page AS MATERIALIZED (${pageIdsSql})
    SELECT total.total, item.* FROM total LEFT JOIN (page CROSS JOIN LATERAL (
      SELECT c.id, c.address, c.last_message_id, c.last_message, c.last_message_at, c.last_message_type,
             c.last_message_is_customer, c.unread_count, c.agent_paused, c.agent_expires_at, c.agent_disabled_by_name,
             cu.id AS customer_id, cu.first_name AS customer_first_name, cu.last_name AS customer_last_name,
             cu.phone_number AS customer_phone_number, cu.email AS customer_email, cu.avatar_url AS customer_avatar_url,
             ch.id AS channel_id, ch.name AS channel_name, ch.type AS channel_type, ch.address AS channel_address,
             (SELECT json_build_object('id', b.id, 'tenant_id', b.tenant_id, 'reason', b.reason, 'note', b.note,
                       'blocked_at', b.blocked_at, 'expires_at', b.expires_at, 'is_active', b.is_active,
                       'metadata', b.metadata, 'created_at', b.created_at, 'updated_at', b.updated_at, 'deleted_at', b.deleted_at)
                FROM channel_blacklists b
               WHERE b.tenant_id = $1 AND b.channel_id = c.channel_id AND b.customer_id = c.customer_id
                 AND ${activeEntryCondition('b', '$2')}
               ORDER BY b.id DESC LIMIT 1) AS blacklist
        FROM conversations c
        JOIN customers cu ON cu.tenant_id = $1 AND cu.id = c.customer_id
        JOIN channels ch ON ch.tenant_id = $1 AND ch.id = c.channel_id
       WHERE c.tenant_id = $1 AND c.id = page.id
      OFFSET 0) item) ON true
    ORDER BY item.last_message_at DESC NULLS LAST, item.id DESC`;
}

const FIND_BY_ID_SQL = pageSql('SELECT 1 AS total', 'SELECT id FROM conversations WHERE tenant_id = $1 AND id = $3');
const FIND_BY_IDS_SQL = pageSql('SELECT 1 AS total', 'SELECT DISTINCT unnest($3::bigint[]) AS id');
const listSqlCache = new Map<string, string>();

/**
 * The list statement of one filter shape; parameters: tenant, now, [channel type], [search pattern], limit,
 * offset. Built once per shape, so every call sends the same string (the driver keys prepared statements by it).
 */
function listSql(byChannelType: boolean, bySearch: boolean): string {
  const key = `${byChannelType}:${bySearch}`;
  let text = listSqlCache.get(key);
  if (text) return text;
  const where = ['c.tenant_id = $1'];
  let next = 3;
  if (byChannelType) where.push(`c.channel_type = $${next++}`);
  if (bySearch) {
    const pattern = `lower($${next++})`;
    // Two indexed lookups joined by UNION: an OR across both tables would scan every conversation of the tenant.
    where.push(`c.id IN (
        SELECT a.id FROM conversations a WHERE a.tenant_id = $1 AND lower(a.address) LIKE ${pattern}
        UNION
        SELECT b.id FROM conversations b WHERE b.tenant_id = $1 AND b.customer_id IN (
          SELECT cu.id FROM customers cu WHERE cu.tenant_id = $1 AND cu.search_text LIKE ${pattern}))`);
  }
  const totalSql = bySearch
    ? `SELECT count(*)::bigint AS total FROM conversations c WHERE ${where.join(' AND ')}`
    : `SELECT COALESCE(sum(total), 0)::bigint AS total FROM conversation_counts WHERE tenant_id = $1 ${byChannelType ? 'AND channel_type = $3' : ''}`;
  const pageIdsSql = `SELECT c.id FROM conversations c WHERE ${where.join(' AND ')}
        ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC
        LIMIT $${next} OFFSET $${next + 1}`;
  text = pageSql(totalSql, pageIdsSql);
  listSqlCache.set(key, text);
  return text;
}

/**
 * Reads for the conversation list. Page ids come from the inbox index alone (a deferred join), totals of the
 * unfiltered and channel-type lists from the counters; only a search counts rows, through trigram indexes.
 */
export class ConversationFinder {
  constructor(private readonly db: Queryable) {}

  async list(tenantId: number, filter: ConversationListFilter, now: Date): Promise<{ rows: ConversationView[]; total: number }> {
    const params: unknown[] = [tenantId, now];
    if (filter.channelType) params.push(filter.channelType);
    if (filter.search) params.push(containsPattern(filter.search));
    params.push(filter.limit, filter.offset);
    // A generic plan cannot see the search pattern, so it cannot tell that the trigram indexes find few rows; the
    // other shapes page by index whatever the values, and their generic plans are checked (list-plan.test.ts).
    const search = filter.search !== null;
    const result = await this.db.query<ConversationRow & { total: number }>(listSql(filter.channelType !== null, search), params, {
      planPerCall: search,
      genericPlan: !search,
    });
    const total = Number(result.rows[0]?.total ?? 0);
    return { rows: result.rows.filter((row) => row.id !== null).map(toView), total };
  }

  async findById(tenantId: number, conversationId: number, now: Date): Promise<ConversationView | null> {
    const result = await this.db.query<ConversationRow>(FIND_BY_ID_SQL, [tenantId, now, conversationId]);
    return result.rows[0]?.id ? toView(result.rows[0]) : null;
  }

  /** Several conversations in one query (the event log's snapshots of a batch). */
  async findByIds(tenantId: number, conversationIds: readonly number[], now: Date): Promise<ConversationView[]> {
    const result = await this.db.query<ConversationRow>(FIND_BY_IDS_SQL, [tenantId, now, conversationIds]);
    return result.rows.filter((row) => row.id !== null).map(toView);
  }
}
