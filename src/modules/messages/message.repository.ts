import type { Queryable } from '../../platform/db/db.js';

/** `exists` of quoted_message_id: a live message of this very conversation. */
export async function quotableMessageExists(db: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<boolean> {
  const result = await db.query(
    'SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 AND NOT is_deleted',
    [tenantId, conversationId, messageId],
  );
  return result.rowCount > 0;
}
