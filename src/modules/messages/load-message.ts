import { parsePathId } from '../../http/path-id.js';
import { notFound } from '../../platform/errors.js';
import type { PathRequest } from '../../http/define-route.js';
import { loadConversation } from '../conversations/load-conversation.js';
import type { ConversationRecord } from '../conversations/conversation.repository.js';
import { MESSAGE_NOT_FOUND } from './message-changes.js';
import { messageExists } from './message.repository.js';

/** The conversation, then a message of that conversation (another conversation's message is "not found"). */
export async function loadConversationMessage(request: PathRequest): Promise<{ conversation: ConversationRecord; messageId: number }> {
  const conversation = await loadConversation(request);
  const messageId = parsePathId(request.params.messageId);
  const found = messageId !== null && (await messageExists(request.deps.db, conversation.tenant_id, conversation.id, messageId));
  if (!found) throw notFound(MESSAGE_NOT_FOUND);
  return { conversation, messageId: messageId! };
}
