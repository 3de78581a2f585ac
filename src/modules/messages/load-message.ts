import { parsePathId } from '../../http/api-pipeline.js';
import { notFound } from '../../http/errors.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { loadConversation } from '../conversations/load-conversation.js';
import type { ConversationRecord } from '../conversations/conversation.repository.js';
import { MESSAGE_NOT_FOUND } from './message-changes.js';

/** The conversation, then a message of that conversation (another conversation's message is "not found"). */
export async function loadConversationMessage(request: {
  deps: AppDeps;
  context: RequestContext;
  params: Record<string, string>;
}): Promise<{ conversation: ConversationRecord; messageId: number }> {
  const conversation = await loadConversation(request);
  const messageId = parsePathId(request.params.messageId);
  const found =
    messageId !== null &&
    (await request.deps.db.query('SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3', [
      conversation.tenant_id,
      conversation.id,
      messageId,
    ])).rowCount > 0;
  if (!found) throw notFound(MESSAGE_NOT_FOUND);
  return { conversation, messageId: messageId! };
}
