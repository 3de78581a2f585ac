import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { conversationSchema } from '../conversation.resource.js';
import { ConversationFinder } from '../conversation.finder.js';
import { conversationResource } from '../conversation.resource.js';
import { loadConversation } from '../load-conversation.js';

export const getConversation = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'Get one conversation',
  description: 'The same ConversationResource the list shows for it.',
  tags: ['Conversations'],
  responseSchema: envelopeSchema(conversationSchema),
  load: loadConversation,
  handler: async ({ deps, tenantId, loaded }) => {
    const now = deps.clock.now();
    const view = await new ConversationFinder(deps.db).findById(tenantId, loaded.id, now);
    return { success: 'Conversation retrieved successfully.', data: conversationResource(view!, now) };
  },
});
