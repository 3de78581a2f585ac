import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { conversationSchema } from '../conversation.resource.js';
import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { CHANNEL_TYPES } from '../../channels/channel-types.js';
import { ConversationFinder } from '../conversation.finder.js';
import { conversationResource } from '../conversation.resource.js';

export const listConversations = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'List conversations',
  description:
    'Newest activity first (conversations without messages last). `search` matches the display name, address and the ' +
    "customer's names, phone and email, case-insensitively and literally.",
  tags: ['Conversations'],
  paginated: true,
  responseSchema: paginatorSchema(conversationSchema),
  query: {
    search: rule.string().nullable().max(255).describe('Case-insensitive substring filter.'),
    channel_type: rule.enum(CHANNEL_TYPES).nullable().describe('Only conversations of this channel type.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const now = deps.clock.now();
    const { rows, total } = await new ConversationFinder(deps.db).list(
      tenantId,
      { search: query.search ?? null, channelType: query.channel_type ?? null, limit: page.perPage, offset: page.offset },
      now,
    );
    return paginate(
      rows.map((row) => conversationResource(row, now)),
      total,
    );
  },
});
