import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { loadConversation } from '../load-conversation.js';
import { replyWindow } from '../reply-window.js';
import { replyWindowResource, replyWindowSchema } from '../reply-window.resource.js';

export const getReplyWindow = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/reply-window',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: "The conversation's 24-hour reply window",
  description:
    'WhatsApp and Instagram accept free-form messages only until 24 hours after the latest customer message; outside ' +
    'it a send is refused with 422 reply_window_closed. Telegram and website conversations are always open.',
  tags: ['Conversations'],
  responseSchema: envelopeSchema(replyWindowSchema),
  load: loadConversation,
  handler: async ({ deps, loaded }) => {
    const window = await replyWindow(deps.db, loaded, deps.clock.now());
    return { success: 'Reply window retrieved successfully.', data: replyWindowResource(window) };
  },
});
