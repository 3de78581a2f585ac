import { parsePathId } from '../../http/path-id.js';
import type { PathRequest } from '../../http/define-route.js';
import {
  CONVERSATION_NOT_FOUND,
  findConversationCount,
  requireConversation,
  type ConversationCount,
  type ConversationRecord,
} from './conversation.repository.js';
import { notFound } from '../../platform/errors.js';

/** The `load` step of every /conversations/{id}/… route: the path id, or 404 "Conversation not found.". */
export async function loadConversation(request: PathRequest): Promise<ConversationRecord> {
  return requireConversation(request.deps.db, request.tenantId, parsePathId(request.params.id));
}

/** The `load` step of the message list: the path id and the message total, or 404 "Conversation not found.". */
export async function loadConversationCount(request: PathRequest): Promise<ConversationCount> {
  const id = parsePathId(request.params.id);
  const found = id === null ? null : await findConversationCount(request.deps.db, request.tenantId, id);
  if (!found) throw notFound(CONVERSATION_NOT_FOUND);
  return found;
}
