import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { actorOf } from '../../conversations/actor.js';
import { editMessage as edit } from '../message-changes.js';
import { MessageFinder } from '../message.finder.js';
import { messageResource, messageSchema } from '../message.resource.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { loadConversationMessage } from '../load-message.js';
import { linkContext } from '../link-context.js';

export const editMessage = defineRoute({
  method: 'PUT',
  url: '/api/v1/conversations/:id/messages/:messageId',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Edit a message',
  description: 'Only outbound text messages written by people (409 otherwise). The edit is not sent to the customer.',
  tags: ['Messages'],
  responseSchema: envelopeSchema(messageSchema),
  load: loadConversationMessage,
  body: { message: rule.string().required().max(5000) },
  handler: async ({ deps, tenantId, loaded, body, context, raw }) => {
    const { conversation, messageId } = loaded;
    await edit(deps.db, tenantId, conversation.id, messageId, body.message!, actorOf(context.principal), deps.clock.now());
    const message = await new MessageFinder(deps.db).findInConversation(tenantId, conversation.id, messageId);
    return { success: 'Message updated successfully.', data: messageResource(message!, linkContext(deps, raw)) };
  },
});
