import { formatTimestamp } from '../../platform/clock.js';
import type { Queryable } from '../../platform/db/db.js';
import { statusesBefore } from '../delivery/delivery.repository.js';
import type { LinkContext } from '../files/file.resource.js';

/** The visitor's view of their conversation (docs/channels.md#website-widget): WidgetMessage rows and their statuses. */

/** The most messages one list answer (or one read of a stream) carries. */
export const WIDGET_PAGE = 100;

export interface WidgetMessageRow {
  id: number;
  is_customer: boolean;
  message: string | null;
  created_at: Date;
  file_id: number | null;
  file_name: string | null;
  file_mime_type: string | null;
  file_size: number | null;
}

export interface WidgetMessage {
  id: number;
  is_customer: boolean;
  message: string | null;
  file: { name: string; mime_type: string; size: number; url: string } | null;
  created_at: string;
}

/** Where the visitor's conversation is: its channel and address (it may not exist yet). */
export interface VisitorConversation {
  tenantId: number;
  channelId: number;
  address: string;
}

/** WidgetMessage, keys in the contract's order; the file url is a signed link minted now. */
export function widgetMessage(row: WidgetMessageRow, tenantId: number, links: LinkContext): WidgetMessage {
  return {
    id: Number(row.id),
    is_customer: row.is_customer,
    message: row.message,
    file:
      row.file_id === null
        ? null
        : {
            name: row.file_name!,
            mime_type: row.file_mime_type!,
            size: Number(row.file_size),
            url: links.links.url(links.baseUrl, tenantId, Number(row.file_id), 'content', links.now),
          },
    created_at: formatTimestamp(row.created_at)!,
  };
}

const SELECT_MESSAGES = `
  SELECT m.id, m.is_customer, m.message, m.created_at, f.id AS file_id, f.name AS file_name, f.mime_type AS file_mime_type, f.size AS file_size
    FROM conversations c
    JOIN messages m ON m.tenant_id = c.tenant_id AND m.conversation_id = c.id
    LEFT JOIN files f ON f.tenant_id = m.tenant_id AND f.id = m.file_id AND f.deleted_at IS NULL
   WHERE c.tenant_id = $1 AND c.channel_id = $2 AND c.address_key = $3 AND NOT m.is_deleted`;

/** Oldest first: the messages after `afterId`, or without it the newest ones. */
export async function listWidgetMessages(db: Queryable, conversation: VisitorConversation, afterId: number | null): Promise<WidgetMessageRow[]> {
  const params = [conversation.tenantId, conversation.channelId, conversation.address];
  if (afterId !== null) {
    const result = await db.query<WidgetMessageRow>(`${SELECT_MESSAGES} AND m.id > $4 ORDER BY m.id ASC LIMIT ${WIDGET_PAGE}`, [...params, afterId]);
    return result.rows;
  }
  const result = await db.query<WidgetMessageRow>(`${SELECT_MESSAGES} ORDER BY m.id DESC LIMIT ${WIDGET_PAGE}`, params);
  return result.rows.reverse();
}

/**
 * Our messages the visitor has now received (returned by the list or written to a stream) become `delivered`
 * (docs/channels.md#website-widget); statuses only move forward, so a read message stays read.
 */
export async function markDelivered(db: Queryable, tenantId: number, rows: WidgetMessageRow[], now: Date): Promise<void> {
  const ours = rows.filter((row) => !row.is_customer).map((row) => Number(row.id));
  if (ours.length === 0) return;
  await db.query(
    `UPDATE messages SET delivery_status = 'delivered', delivery_updated_at = $3, updated_at = $3
      WHERE tenant_id = $1 AND id = ANY($2::bigint[]) AND delivery_status = ANY($4::text[])`,
    [tenantId, ours, now, statusesBefore('delivered')],
  );
}

/** `POST /widget/v1/read`: our messages of the visitor's conversation up to `upToId` become `read`. */
export async function markReadUpTo(db: Queryable, conversation: VisitorConversation, upToId: number, now: Date): Promise<void> {
  await db.query(
    `UPDATE messages m SET delivery_status = 'read', read_at = $5, delivery_updated_at = $5, updated_at = $5
       FROM conversations c
      WHERE c.tenant_id = $1 AND c.channel_id = $2 AND c.address_key = $3
        AND m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.id <= $4 AND NOT m.is_customer
        AND m.delivery_status = ANY($6::text[])`,
    [conversation.tenantId, conversation.channelId, conversation.address, upToId, now, statusesBefore('read')],
  );
}

/** Where a stream opened without Last-Event-ID starts: after the newest message (the widget read the history already). */
export async function newestMessageId(db: Queryable, conversation: VisitorConversation): Promise<number> {
  const result = await db.query<{ id: number | null }>(
    `SELECT max(m.id) AS id FROM conversations c JOIN messages m ON m.tenant_id = c.tenant_id AND m.conversation_id = c.id
      WHERE c.tenant_id = $1 AND c.channel_id = $2 AND c.address_key = $3`,
    [conversation.tenantId, conversation.channelId, conversation.address],
  );
  return Number(result.rows[0]?.id ?? 0);
}
