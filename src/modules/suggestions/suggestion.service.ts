import type { Db, Queryable } from '../../platform/db/db.js';
import { notFound } from '../../http/errors.js';
import type { Actor } from '../conversations/actor.js';
import { pauseAgent, sendMessage } from '../messages/message.service.js';
import { findPendingSuggestion, NO_PENDING_SUGGESTION } from './suggestion.repository.js';

export interface NewSuggestion {
  originalText: string;
  triggerMessageIds: number[];
  pendingActions?: Array<{ type: string } & Record<string, unknown>>;
  agentRunId?: number | null;
}

/**
 * Records a draft made by the agent in copilot mode (agent.md); the previous pending draft becomes superseded.
 * Runs inside the caller's transaction so the agent run and its draft commit together.
 */
export async function createSuggestion(tx: Queryable, tenantId: number, conversationId: number, draft: NewSuggestion, now: Date): Promise<number> {
  await tx.query(
    `UPDATE ai_suggestions SET status = 'superseded', updated_at = $3 WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'pending'`,
    [tenantId, conversationId, now],
  );
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO ai_suggestions (tenant_id, conversation_id, agent_run_id, original_text, pending_actions, trigger_message_ids,
                                 last_seen_message_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, (SELECT last_message_id FROM conversations WHERE tenant_id = $1 AND id = $2), $7, $7)
     RETURNING id`,
    [tenantId, conversationId, draft.agentRunId ?? null, draft.originalText, JSON.stringify(draft.pendingActions ?? []),
      JSON.stringify([...draft.triggerMessageIds].sort((a, b) => a - b)), now],
  );
  return inserted.rows[0]!.id;
}

export interface SendSuggestionRequest {
  editedText: string | null;
  takeOverAgent: boolean;
}

/**
 * POST …/ai-suggestion/send (api-conversations.md §5.2): under the conversation lock the pending draft is taken
 * (a concurrent second send finds none: 404), sent like a human message, marked sent, and optionally the agent paused.
 */
export async function sendSuggestion(db: Db, tenantId: number, conversationId: number, actor: Actor, request: SendSuggestionRequest, now: Date): Promise<number> {
  let suggestionId = 0;
  let text = '';
  return sendMessage(
    db,
    tenantId,
    conversationId,
    actor,
    { text: null, messageType: 'text', quotedMessageId: null, source: 'ai_suggestion', applyHandoffPause: false },
    now,
    {
      before: async (tx) => {
        const pending = await findPendingSuggestion(tx, tenantId, conversationId, true);
        if (!pending) throw notFound(NO_PENDING_SUGGESTION);
        suggestionId = pending.id;
        text = request.editedText ?? pending.original_text;
        return { text, extraMetadata: { ai_suggestion_id: suggestionId } };
      },
      after: async (tx) => {
        await tx.query(
          `UPDATE ai_suggestions SET status = 'sent', final_text = $3, sent_at = $4, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
          [tenantId, suggestionId, text, now],
        );
        if (request.takeOverAgent) await pauseAgent(tx, tenantId, conversationId, actor, null);
      },
    },
  );
}
