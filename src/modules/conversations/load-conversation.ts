import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import {
  CONVERSATION_NOT_FOUND,
  findConversationCount,
  requireConversation,
  type ConversationCount,
  type ConversationRecord,
} from './conversation.repository.js';
import { notFound } from '../../http/errors.js';

/** The `load` step of every /conversations/{id}/… route: the path id, or 404 "Conversation not found.". */
export async function loadConversation(request: {
  deps: AppDeps;
  context: RequestContext;
  params: Record<string, string>;
}): Promise<ConversationRecord> {
  return requireConversation(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}

/** The `load` step of the message list: the path id and the message total, or 404 "Conversation not found.". */
export async function loadConversationCount(request: { deps: AppDeps; context: RequestContext; params: Record<string, string> }): Promise<ConversationCount> {
  const id = parsePathId(request.params.id);
  const found = id === null ? null : await findConversationCount(request.deps.db, request.context.tenantId!, id);
  if (!found) throw notFound(CONVERSATION_NOT_FOUND);
  return found;
}
