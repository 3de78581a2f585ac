import type { Queryable } from '../../platform/db/db.js';

export interface SuggestionRow {
  id: number;
  conversation_id: number;
  original_text: string;
  final_text: string | null;
  status: string;
  rating: string | null;
  pending_actions: unknown[];
  trigger_message_ids: number[];
  has_new_messages: boolean;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const NO_PENDING_SUGGESTION = 'No pending AI suggestion for this conversation.';

/**
 * The pending draft with `has_new_messages`: a customer message newer than every trigger message (or, without
 * triggers, written after the draft) exists in the conversation.
 */
export async function findPendingSuggestion(db: Queryable, tenantId: number, conversationId: number, lock = false): Promise<SuggestionRow | null> {
  const result = await db.query<SuggestionRow>(
    `SELECT s.id, s.conversation_id, s.original_text, s.final_text, s.status, s.rating, s.pending_actions,
            s.trigger_message_ids, s.sent_at, s.created_at, s.updated_at,
            EXISTS (SELECT 1 FROM messages m
                     WHERE m.tenant_id = s.tenant_id AND m.conversation_id = s.conversation_id AND m.is_customer
                       AND m.id > COALESCE((SELECT max(value::bigint) FROM jsonb_array_elements_text(s.trigger_message_ids) AS value), s.last_seen_message_id, 0))
              AS has_new_messages
       FROM ai_suggestions s
      WHERE s.tenant_id = $1 AND s.conversation_id = $2 AND s.status = 'pending' ${lock ? 'FOR UPDATE OF s' : ''}`,
    [tenantId, conversationId],
  );
  return result.rows[0] ?? null;
}
