import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { CONVERSATION_NOT_FOUND, requireConversation, type ConversationRecord } from './conversation.repository.js';
import { notFound } from '../../http/errors.js';

/** The `load` step of every /conversations/{id}/… route: the path id, or 404 "Conversation not found.". */
export async function loadConversation(request: {
  deps: AppDeps;
  context: RequestContext;
  params: Record<string, string>;
}): Promise<ConversationRecord> {
  return requireConversation(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}

/** What the read-only message list needs of its conversation: no channel join, no settings or secrets to parse. */
export interface ConversationCount {
  id: number;
  message_count: number;
  /** Whether arrival numbers give the list order (migration 0014), so deep pages need no OFFSET walk. */
  messages_arrival_ordered: boolean;
}

/** The `load` step of the message list: the path id and the message total, or 404 "Conversation not found.". */
export async function loadConversationCount(request: { deps: AppDeps; context: RequestContext; params: Record<string, string> }): Promise<ConversationCount> {
  const id = parsePathId(request.params.id);
  const result = id === null
    ? null
    : await request.deps.db.query<ConversationCount>('SELECT id, message_count, messages_arrival_ordered FROM conversations WHERE tenant_id = $1 AND id = $2', [
        request.context.tenantId!,
        id,
      ], { genericPlan: true });
  const row = result?.rows[0];
  if (!row) throw notFound(CONVERSATION_NOT_FOUND);
  return { id: Number(row.id), message_count: Number(row.message_count), messages_arrival_ordered: row.messages_arrival_ordered };
}
