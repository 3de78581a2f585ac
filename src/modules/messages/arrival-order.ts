import type { Queryable } from '../../platform/db/db.js';

/**
 * Numbers a conversation's messages 1..n in list order (oldest first by created_at, id) and marks the
 * conversation arrival-ordered (migration 0014), so its deep pages are read by number range again. For messages
 * written outside the send path (imports, bulk loads), which leave a conversation on the OFFSET path. Locks the
 * conversation so no send interleaves; message_count becomes the real count.
 */
export async function numberMessagesInListOrder(tx: Queryable, tenantId: number, conversationId: number): Promise<void> {
  await tx.query('SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, conversationId]);
  await tx.query(
    `UPDATE messages m SET seq = n.seq
       FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq
               FROM messages WHERE tenant_id = $1 AND conversation_id = $2) n
      WHERE m.tenant_id = $1 AND m.id = n.id AND m.seq IS DISTINCT FROM n.seq`,
    [tenantId, conversationId],
  );
  await tx.query(
    `UPDATE conversations SET messages_arrival_ordered = true,
            message_count = (SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2)
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, conversationId],
  );
}
