import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { conversationSchema } from '../conversation.resource.js';
import { ConversationFinder } from '../conversation.finder.js';
import { conversationResource } from '../conversation.resource.js';
import { loadConversation } from '../load-conversation.js';
import { markConversationRead as markRead } from '../../messages/message-changes.js';
import { actorOf } from '../actor.js';

export const markConversationRead = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations/:id/read',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Mark a conversation read',
  description: 'Sets read_at on every unread customer message and unread_count to "0". Idempotent.',
  tags: ['Conversations'],
  responseSchema: envelopeSchema(conversationSchema),
  load: loadConversation,
  handler: async ({ deps, tenantId, context, loaded }) => {
    const now = deps.clock.now();
    await markRead(deps.db, tenantId, loaded.id, actorOf(context.principal), now);
    const view = await new ConversationFinder(deps.db).findById(tenantId, loaded.id, now);
    return { success: 'Conversation marked as read.', data: conversationResource(view!, now) };
  },
});
