import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { actorOf } from '../../conversations/actor.js';
import { loadConversation } from '../../conversations/load-conversation.js';
import type { ConversationRecord } from '../../conversations/conversation.repository.js';
import { sendMessage as send } from '../message.service.js';
import { sendResult, sendResultSchema } from '../message.resource.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { quotableMessageExists } from '../message.repository.js';

export const sendMessage = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations/:id/messages',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Send a text message',
  description: 'Stores the message and its delivery job in one transaction and answers "queued"; delivery runs in the background.',
  tags: ['Messages'],
  responseSchema: envelopeSchema(sendResultSchema),
  load: loadConversation,
  body: {
    message: rule.string().required().max(5000),
    quoted_message_id: rule
      .integer()
      .nullable()
      .exists((id: number, { db, tenantId, loaded }) => quotableMessageExists(db, tenantId, (loaded as ConversationRecord).id, id)),
  },
  handler: async ({ deps, tenantId, loaded, body, context }) => {
    const actor = actorOf(context.principal);
    const messageId = await send(
      deps.db,
      tenantId,
      loaded.id,
      actor,
      { text: body.message!, messageType: 'text', quotedMessageId: body.quoted_message_id ?? null, source: actor.source, applyHandoffPause: true },
      deps.clock.now(),
    );
    return { success: 'Message sent successfully.', data: sendResult(messageId, loaded.id) };
  },
});
