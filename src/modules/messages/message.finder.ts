import type { Queryable } from '../../platform/db/db.js';
import type { MessageView } from './message.resource.js';
import type { FileView } from '../files/file.resource.js';

type MessageRow = Omit<MessageView, 'file'> & {
  file: (Omit<FileView, 'created_at' | 'updated_at' | 'deleted_at'> & Record<'created_at' | 'updated_at' | 'deleted_at', string | null>) | null;
};

function toView(row: MessageRow): MessageView {
  const file = row.file;
  return {
    ...row,
    file: file && {
      ...file,
      created_at: new Date(file.created_at!),
      updated_at: new Date(file.updated_at!),
      deleted_at: file.deleted_at ? new Date(file.deleted_at) : null,
    },
  };
}

/**
 * Columns of a page of messages; `page` is a CTE of message ids. The quoted text is read as it is now. Each id is
 * joined through a LATERAL subquery with OFFSET 0, and the quoted message and the file are scalar lookups by key,
 * so even a generic (prepared) plan made while the tables were small looks each one up by key (a join there was
 * planned as a hash over all the tenant's messages, per id).
 */
function messagesSql(pageCte: string): string {
  return `WITH page AS MATERIALIZED (${pageCte})
    SELECT item.* FROM page CROSS JOIN LATERAL (
    SELECT m.id, m.tenant_id, m.conversation_id, m.user_id, m.user_name, m.is_customer, m.message_type, m.message,
           m.quoted_message_id,
           (SELECT q.message FROM messages q WHERE q.tenant_id = $1 AND q.id = m.quoted_message_id) AS quoted_text,
           m.is_deleted, m.is_edited, m.edited_by_user_name,
           m.deleted_by_user_name, m.read_at, m.source, m.provider, m.provider_message_id, m.provider_timestamp,
           m.delivery_status, m.failure_reason, m.delivery_updated_at, m.extra_metadata, m.created_at,
           (SELECT json_build_object(
             'id', f.id, 'tenant_id', f.tenant_id, 'name', f.name, 'description', f.description, 'type', f.type,
             'mime_type', f.mime_type, 'size', f.size, 'group_id', f.group_id, 'fileable_type', f.fileable_type,
             'fileable_id', f.fileable_id, 'thumbnail_key', f.thumbnail_key, 'created_at', f.created_at,
             'updated_at', f.updated_at, 'deleted_at', f.deleted_at)
              FROM files f WHERE f.tenant_id = $1 AND f.id = m.file_id AND f.deleted_at IS NULL) AS file
      FROM messages m
     WHERE m.tenant_id = $1 AND m.id = page.id
    OFFSET 0) item
     ORDER BY item.created_at DESC, item.id DESC`;
}

const PAGE_SQL = messagesSql(`SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2
                    ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`);
// Same rows as PAGE_SQL for a conversation in arrival order: seq counts 1..total oldest first (migration 0014).
const PAGE_BY_ARRIVAL_SQL = messagesSql(`SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2
                    AND seq > $3 AND seq <= $4 ORDER BY seq DESC`);
const FIND_BY_IDS_SQL = messagesSql('SELECT DISTINCT unnest($2::bigint[]) AS id');
const FIND_SQL = messagesSql('SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3');

/** Reads of messages: pages come from (tenant, conversation, created_at, id) alone; totals from the conversation's counter. */
export class MessageFinder {
  constructor(private readonly db: Queryable) {}

  /**
   * One page, newest first. A conversation whose arrival numbers are its list order (`arrivalOrdered`, with
   * `total` its message_count) is read by number range, fifteen index entries at any depth; others walk OFFSET.
   */
  async page(tenantId: number, conversation: { id: number; total: number; arrivalOrdered: boolean }, limit: number, offset: number): Promise<MessageView[]> {
    const newest = conversation.total - offset;
    const [sql, params] = conversation.arrivalOrdered
      ? [PAGE_BY_ARRIVAL_SQL, [tenantId, conversation.id, Math.max(0, newest - limit), newest]]
      : [PAGE_SQL, [tenantId, conversation.id, limit, offset]];
    const result = await this.db.query<MessageRow>(sql, params, { genericPlan: true });
    return result.rows.map(toView);
  }

  async findInConversation(tenantId: number, conversationId: number, messageId: number): Promise<MessageView | null> {
    const result = await this.db.query<MessageRow>(FIND_SQL, [tenantId, conversationId, messageId]);
    return result.rows[0] ? toView(result.rows[0]) : null;
  }

  /** Several messages of the tenant in one query (the event log's snapshots of a batch). */
  async findByIds(tenantId: number, messageIds: readonly number[]): Promise<MessageView[]> {
    const result = await this.db.query<MessageRow>(FIND_BY_IDS_SQL, [tenantId, messageIds]);
    return result.rows.map(toView);
  }
}
