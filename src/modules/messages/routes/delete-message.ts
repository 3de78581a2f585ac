import { defineRoute } from '../../../http/define-route.js';
import { actorOf } from '../../conversations/actor.js';
import { deleteMessage as remove } from '../message-changes.js';
import { loadConversationMessage } from '../load-message.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';

const DELETED = 'Message deleted successfully.';

export const deleteMessage = defineRoute({
  method: 'DELETE',
  url: '/api/v1/conversations/:id/messages/:messageId',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Delete a message (soft)',
  description: 'The message stays listed with is_deleted true; deleting again changes nothing.',
  tags: ['Messages'],
  responseSchema: messageResultResponse,
  load: loadConversationMessage,
  handler: async ({ deps, tenantId, loaded, context }) => {
    await remove(deps.db, tenantId, loaded.conversation.id, loaded.messageId, actorOf(context.principal), deps.clock.now());
    return messageResult(DELETED);
  },
});
