import { defineRoute } from '../../../http/define-route.js';
import { loadConversationCount } from '../../conversations/load-conversation.js';
import { MessageFinder } from '../message.finder.js';
import { messageResource, messageSchema } from '../message.resource.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { linkContext } from '../link-context.js';

export const listMessages = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/messages',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'List messages',
  description: 'Newest first (created_at, then id); deleted messages are listed with is_deleted true.',
  tags: ['Messages'],
  responseSchema: paginatorSchema(messageSchema),
  paginated: true,
  load: loadConversationCount,
  handler: async ({ deps, tenantId, loaded, page, paginate, raw }) => {
    const finder = new MessageFinder(deps.db);
    const conversation = { id: loaded.id, total: loaded.message_count, arrivalOrdered: loaded.messages_arrival_ordered };
    const rows = await finder.page(tenantId, conversation, page.perPage, page.offset);
    const links = linkContext(deps, raw);
    return paginate(
      rows.map((row) => messageResource(row, links)),
      loaded.message_count,
    );
  },
});
