import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { requireConversation, type ConversationRecord } from './conversation.repository.js';

/** The `load` step of every /conversations/{id}/… route: the path id, or 404 "Conversation not found.". */
export async function loadConversation(request: {
  deps: AppDeps;
  context: RequestContext;
  params: Record<string, string>;
}): Promise<ConversationRecord> {
  return requireConversation(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}
