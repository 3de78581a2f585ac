import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { conversationSchema } from '../conversation.resource.js';
import { actorOf } from '../actor.js';
import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { findChannel } from '../../channels/channel.repository.js';
import { ConversationFinder } from '../conversation.finder.js';
import { conversationResource } from '../conversation.resource.js';
import { startConversation } from '../conversation.service.js';

export const createConversation = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Start (or find) a conversation',
  description:
    'Returns the existing conversation of this channel and address with 200, or creates customer and conversation ' +
    'and answers 201. On WhatsApp channels addresses compare by their digits. Nothing is sent to the customer.',
  tags: ['Conversations'],
  successStatus: 201,
  responseSchema: envelopeSchema(conversationSchema),
  body: {
    channel_id: rule
      .integer()
      .required()
      .min(1)
      .exists(async (id: number, { db, tenantId }) => (await findChannel(db, tenantId, id)) !== null),
    address: rule.string().required().max(255),
    first_name: rule.string().nullable().max(255),
    last_name: rule.string().nullable().max(255),
  },
  handler: async ({ deps, tenantId, body, reply, context }) => {
    // Channels are never deleted, so the one `exists` found is still there.
    const channel = (await findChannel(deps.db, tenantId, body.channel_id!))!;
    const now = deps.clock.now();
    const { conversationId, created } = await startConversation(
      deps.db,
      tenantId,
      channel,
      { channelId: channel.id, address: body.address!, firstName: body.first_name ?? null, lastName: body.last_name ?? null },
      actorOf(context.principal),
      now,
    );
    const view = await new ConversationFinder(deps.db).findById(tenantId, conversationId, now);
    reply.code(created ? 201 : 200);
    return {
      success: created ? 'Conversation created successfully.' : 'Conversation retrieved successfully.',
      data: conversationResource(view!, now),
    };
  },
});
