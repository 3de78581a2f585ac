import { recordEvents } from '../events/event-recorder.js';
import { AGENT_ACTOR, requestActor } from '../events/event-types.js';
import type { Db, Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
import type { Actor } from '../conversations/actor.js';
import { takeOverAgent } from '../agent/agent.service.js';
import { sendMessage } from '../messages/message.service.js';
import {
  findPendingSuggestion,
  insertSuggestion,
  markSuggestionSent,
  NO_PENDING_SUGGESTION,
  supersedePendingSuggestions,
  type NewSuggestion,
} from './suggestion.repository.js';

/**
 * Records a draft made by the agent in copilot mode (docs/domain-rules.md#ai-suggestions); the previous pending draft becomes superseded.
 * Runs inside the caller's transaction so the agent run and its draft commit together.
 */
export async function createSuggestion(tx: Queryable, tenantId: number, conversationId: number, draft: NewSuggestion, now: Date): Promise<number> {
  const superseded = await supersedePendingSuggestions(tx, tenantId, conversationId, now);
  const id = await insertSuggestion(tx, tenantId, conversationId, draft, now);
  recordEvents(
    tx,
    tenantId,
    AGENT_ACTOR,
    now,
    { kind: 'ai_suggestion', id, change: 'created' },
    ...superseded.map((previous) => ({ kind: 'ai_suggestion' as const, id: previous, change: 'updated' as const })),
  );
  return id;
}

export interface SendSuggestionRequest {
  editedText: string | null;
  takeOverAgent: boolean;
}

/**
 * POST …/ai-suggestion/send (docs/domain-rules.md#ai-suggestions): under the conversation lock the pending draft is taken
 * (a concurrent second send finds none: 404), sent like a human message, marked sent, and optionally the agent paused.
 */
export async function sendSuggestion(
  db: Db,
  tenantId: number,
  conversationId: number,
  actor: Actor,
  request: SendSuggestionRequest,
  now: Date,
): Promise<number> {
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
        await markSuggestionSent(tx, tenantId, suggestionId, text, now);
        recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'ai_suggestion', id: suggestionId, change: 'updated' });
        if (request.takeOverAgent) await takeOverAgent(tx, tenantId, conversationId, actor);
      },
    },
  );
}
