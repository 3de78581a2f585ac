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
 * A suggestion's columns with `has_new_messages`: a customer message newer than every trigger message (or, without
 * triggers, written after the draft) exists in the conversation.
 */
const SUGGESTION_COLUMNS = `s.id, s.conversation_id, s.original_text, s.final_text, s.status, s.rating, s.pending_actions,
            s.trigger_message_ids, s.sent_at, s.created_at, s.updated_at,
            EXISTS (SELECT 1 FROM messages m
                     WHERE m.tenant_id = s.tenant_id AND m.conversation_id = s.conversation_id AND m.is_customer
                       AND m.id > COALESCE((SELECT max(value::bigint) FROM jsonb_array_elements_text(s.trigger_message_ids) AS value), s.last_seen_message_id, 0))
              AS has_new_messages`;

/** Several suggestions by id (the event log's snapshots). */
export async function findSuggestionsByIds(db: Queryable, tenantId: number, suggestionIds: readonly number[]): Promise<SuggestionRow[]> {
  const result = await db.query<SuggestionRow>(`SELECT ${SUGGESTION_COLUMNS} FROM ai_suggestions s WHERE s.tenant_id = $1 AND s.id = ANY($2::bigint[])`, [
    tenantId,
    suggestionIds,
  ]);
  return result.rows;
}

/** The conversation's pending draft. */
export async function findPendingSuggestion(db: Queryable, tenantId: number, conversationId: number, lock = false): Promise<SuggestionRow | null> {
  const result = await db.query<SuggestionRow>(
    `SELECT ${SUGGESTION_COLUMNS}
       FROM ai_suggestions s
      WHERE s.tenant_id = $1 AND s.conversation_id = $2 AND s.status = 'pending' ${lock ? 'FOR UPDATE OF s' : ''}`,
    [tenantId, conversationId],
  );
  return result.rows[0] ?? null;
}

/** One page of every suggestion of the conversation, newest first (created_at, then id), and how many there are. */
export async function listSuggestions(
  db: Queryable,
  tenantId: number,
  conversationId: number,
  limit: number,
  offset: number,
): Promise<{ rows: SuggestionRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.query<SuggestionRow>(
      `SELECT ${SUGGESTION_COLUMNS} FROM ai_suggestions s
        WHERE s.tenant_id = $1 AND s.conversation_id = $2 ORDER BY s.created_at DESC, s.id DESC LIMIT $3 OFFSET $4`,
      [tenantId, conversationId, limit, offset],
    ),
    db.query<{ count: number }>('SELECT count(*)::int AS count FROM ai_suggestions WHERE tenant_id = $1 AND conversation_id = $2', [tenantId, conversationId]),
  ]);
  return { rows: rows.rows, total: total.rows[0]!.count };
}

export interface NewSuggestion {
  originalText: string;
  triggerMessageIds: number[];
  pendingActions?: Array<{ type: string } & Record<string, unknown>>;
  agentRunId?: number | null;
}

/** Returns the ids of the drafts it superseded. */
export async function supersedePendingSuggestions(tx: Queryable, tenantId: number, conversationId: number, now: Date): Promise<number[]> {
  const result = await tx.query<{ id: number }>(
    `UPDATE ai_suggestions SET status = 'superseded', updated_at = $3 WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'pending' RETURNING id`,
    [tenantId, conversationId, now],
  );
  return result.rows.map((row) => Number(row.id));
}

/** A pending draft; it has seen the conversation up to its current last message. Returns its id. */
export async function insertSuggestion(tx: Queryable, tenantId: number, conversationId: number, draft: NewSuggestion, now: Date): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO ai_suggestions (tenant_id, conversation_id, agent_run_id, original_text, pending_actions, trigger_message_ids,
                                 last_seen_message_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, (SELECT last_message_id FROM conversations WHERE tenant_id = $1 AND id = $2), $7, $7)
     RETURNING id`,
    [
      tenantId,
      conversationId,
      draft.agentRunId ?? null,
      draft.originalText,
      JSON.stringify(draft.pendingActions ?? []),
      JSON.stringify([...draft.triggerMessageIds].sort((a, b) => a - b)),
      now,
    ],
  );
  return inserted.rows[0]!.id;
}

export async function markSuggestionSent(tx: Queryable, tenantId: number, suggestionId: number, finalText: string, now: Date): Promise<void> {
  await tx.query(`UPDATE ai_suggestions SET status = 'sent', final_text = $3, sent_at = $4, updated_at = $4 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    suggestionId,
    finalText,
    now,
  ]);
}
